// Makes Debian's uninstrumented Abseil synchronization visible to
// ThreadSanitizer. tools/sanitize.sh thread builds this file into a shared
// library, without -fsanitize, and LD_PRELOADs it into the tests.
//
// Why: Debian's libabsl_synchronization.so is not built with TSan, so TSan
// does not know that absl::Mutex, absl::CondVar or absl::Notification order
// anything, and reports every access guarded by them, ours and gRPC's, as a
// race. Rebuilding Abseil (and gRPC above it) with TSan is not possible from
// Debian's packages.
//
// How: a preloaded library's definitions come before the shared library's in
// the dynamic linker's lookup, for our code and for every library calling
// absl (gRPC's and Abseil's own calls go through the PLT). Each wrapper calls
// the real function (dlsym(RTLD_NEXT)) and tells TSan what it does to the
// happens-before order: taking a mutex acquires the mutex's address,
// releasing it releases that address; waiting on a condition variable or
// awaiting a condition releases the mutex before and acquires it after.
// Reader locks are treated as writer locks (more order than there is, so a
// race between two readers is not reported; readers do not write). Abseil
// evaluates a waiter's condition in whichever thread holds the mutex at the
// time, inside Unlock or Await, where the wrappers above cannot place it in
// the order: the accesses of a condition's evaluation are ignored (a
// condition only reads state the mutex guards, by Abseil's contract).
//
// A process without TSan (nginx, openssl and other tools the tests start)
// has no __tsan_* functions: the weak references are null and the wrappers
// only forward.
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

extern "C" {
void __tsan_acquire(void* address) __attribute__((weak));
void __tsan_release(void* address) __attribute__((weak));
void __tsan_ignore_thread_begin() __attribute__((weak));
void __tsan_ignore_thread_end() __attribute__((weak));
}

namespace {

void Acquire(const void* address) {
  if (__tsan_acquire != nullptr) __tsan_acquire(const_cast<void*>(address));
}
void Release(const void* address) {
  if (__tsan_release != nullptr) __tsan_release(const_cast<void*>(address));
}

// The next definition of `symbol` (Abseil's), or abort: a wrapper that
// cannot forward would deadlock or corrupt the mutex.
template <typename Function>
Function Next(const char* symbol) {
  void* found = dlsym(RTLD_NEXT, symbol);
  if (found == nullptr) {
    std::fprintf(stderr, "absl_sync_for_tsan: %s not found: %s\n", symbol, dlerror());
    std::abort();
  }
  return reinterpret_cast<Function>(found);
}

// REAL(name, type) is the real function of that mangled name, looked up once.
#define REAL(symbol, type)                      \
  ([]() {                                       \
    static const auto real = Next<type>(symbol); \
    return real;                                \
  }())

using Condition = absl::Condition;
using EvalFn = bool (*)(const Condition*);
using MutexFn = void (*)(absl::Mutex*);
using TryFn = bool (*)(absl::Mutex*);
using WhenFn = void (*)(absl::Mutex*, const Condition&);
using WhenTimeoutFn = bool (*)(absl::Mutex*, const Condition&, absl::Duration);
using WhenDeadlineFn = bool (*)(absl::Mutex*, const Condition&, absl::Time);
using WaitFn = void (*)(absl::CondVar*, absl::Mutex*);
using WaitTimeoutFn = bool (*)(absl::CondVar*, absl::Mutex*, absl::Duration);
using WaitDeadlineFn = bool (*)(absl::CondVar*, absl::Mutex*, absl::Time);

}  // namespace

namespace absl {

// ---- Evaluating a waiter's condition ------------------------------------------

bool Condition::Eval() const {
  if (__tsan_ignore_thread_begin != nullptr) __tsan_ignore_thread_begin();
  const bool holds = REAL("_ZNK4absl7debian39Condition4EvalEv", EvalFn)(this);
  if (__tsan_ignore_thread_end != nullptr) __tsan_ignore_thread_end();
  return holds;
}

// ---- Taking and releasing ---------------------------------------------------

void Mutex::Lock() {
  REAL("_ZN4absl7debian35Mutex4LockEv", MutexFn)(this);
  Acquire(this);
}
void Mutex::ReaderLock() {
  REAL("_ZN4absl7debian35Mutex10ReaderLockEv", MutexFn)(this);
  Acquire(this);
}
void Mutex::Unlock() {
  Release(this);
  REAL("_ZN4absl7debian35Mutex6UnlockEv", MutexFn)(this);
}
void Mutex::ReaderUnlock() {
  Release(this);
  REAL("_ZN4absl7debian35Mutex12ReaderUnlockEv", MutexFn)(this);
}
bool Mutex::TryLock() {
  const bool taken = REAL("_ZN4absl7debian35Mutex7TryLockEv", TryFn)(this);
  if (taken) Acquire(this);
  return taken;
}
bool Mutex::ReaderTryLock() {
  const bool taken = REAL("_ZN4absl7debian35Mutex13ReaderTryLockEv", TryFn)(this);
  if (taken) Acquire(this);
  return taken;
}

// ---- Taking when a condition holds (the mutex is held on return) -----------

void Mutex::LockWhen(const Condition& cond) {
  REAL("_ZN4absl7debian35Mutex8LockWhenERKNS0_9ConditionE", WhenFn)(this, cond);
  Acquire(this);
}
void Mutex::ReaderLockWhen(const Condition& cond) {
  REAL("_ZN4absl7debian35Mutex14ReaderLockWhenERKNS0_9ConditionE", WhenFn)(this, cond);
  Acquire(this);
}
bool Mutex::LockWhenWithTimeout(const Condition& cond, absl::Duration timeout) {
  const bool met = REAL("_ZN4absl7debian35Mutex19LockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE",
                        WhenTimeoutFn)(this, cond, timeout);
  Acquire(this);
  return met;
}
bool Mutex::ReaderLockWhenWithTimeout(const Condition& cond, absl::Duration timeout) {
  const bool met =
      REAL("_ZN4absl7debian35Mutex25ReaderLockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE",
           WhenTimeoutFn)(this, cond, timeout);
  Acquire(this);
  return met;
}
bool Mutex::LockWhenWithDeadline(const Condition& cond, absl::Time deadline) {
  const bool met = REAL("_ZN4absl7debian35Mutex20LockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE",
                        WhenDeadlineFn)(this, cond, deadline);
  Acquire(this);
  return met;
}
bool Mutex::ReaderLockWhenWithDeadline(const Condition& cond, absl::Time deadline) {
  const bool met =
      REAL("_ZN4absl7debian35Mutex26ReaderLockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE",
           WhenDeadlineFn)(this, cond, deadline);
  Acquire(this);
  return met;
}

// ---- Waiting with the mutex held (released meanwhile) -----------------------

void Mutex::Await(const Condition& cond) {
  Release(this);
  REAL("_ZN4absl7debian35Mutex5AwaitERKNS0_9ConditionE", WhenFn)(this, cond);
  Acquire(this);
}
bool Mutex::AwaitWithTimeout(const Condition& cond, absl::Duration timeout) {
  Release(this);
  const bool met = REAL("_ZN4absl7debian35Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE",
                        WhenTimeoutFn)(this, cond, timeout);
  Acquire(this);
  return met;
}
bool Mutex::AwaitWithDeadline(const Condition& cond, absl::Time deadline) {
  Release(this);
  const bool met = REAL("_ZN4absl7debian35Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE",
                        WhenDeadlineFn)(this, cond, deadline);
  Acquire(this);
  return met;
}
void CondVar::Wait(Mutex* mu) {
  Release(mu);
  REAL("_ZN4absl7debian37CondVar4WaitEPNS0_5MutexE", WaitFn)(this, mu);
  Acquire(mu);
}
bool CondVar::WaitWithTimeout(Mutex* mu, absl::Duration timeout) {
  Release(mu);
  const bool timed_out = REAL("_ZN4absl7debian37CondVar15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE",
                              WaitTimeoutFn)(this, mu, timeout);
  Acquire(mu);
  return timed_out;
}
bool CondVar::WaitWithDeadline(Mutex* mu, absl::Time deadline) {
  Release(mu);
  const bool timed_out = REAL("_ZN4absl7debian37CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE",
                              WaitDeadlineFn)(this, mu, deadline);
  Acquire(mu);
  return timed_out;
}

}  // namespace absl
