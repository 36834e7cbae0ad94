// The portal's static files (server/portal/assets/), embedded in the binary
// at build time (embed_assets.cmake turns each into bytes of a generated .cc),
// so that memoria-server serves its portal with nothing beside it and no
// asset from another site.
#pragma once

#include <span>
#include <string_view>

namespace memoria::server {

struct PortalAsset {
  std::string_view path;          // the URL path, "/" for index.html
  std::string_view content_type;  // with its charset
  std::string_view body;
};

// Every embedded file.
std::span<const PortalAsset> PortalAssets();

}  // namespace memoria::server
