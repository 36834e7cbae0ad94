// The type of an event as queries, exports and reports name it.
//
//   EventTypeName(entry)  // "post_published", "writer_registered", "generic", ...
//
// Built-in types are the names of the event fields of memoria.v1.Entry
// (genesis, writer_registered, writer_revoked) and of memoria.v1.PolicyEvent
// (account_created, post_published, ...), exactly as in the .proto files. A
// GenericEvent is of type "generic"; its own type ("post.published") is
// GenericTypeName and is filtered separately.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "memoria/v1/entry.pb.h"

namespace memoria::query {

// The built-in type of `entry`; "" for an entry with no event (which the
// server never accepts) or a policy event with no kind.
std::string_view EventTypeName(const v1::Entry& entry);

// The GenericEvent type of `entry`, or "" if it is not a generic event.
std::string_view GenericTypeName(const v1::Entry& entry);

// Every built-in type name, in the order of the .proto files.
const std::vector<std::string>& EventTypeNames();

// True if `name` is one of EventTypeNames().
bool IsEventTypeName(std::string_view name);

}  // namespace memoria::query
