// RoundThrottle (server/round_throttle.h): at most one round per interval
// while the checkpoint changes, one at once when it stops changing, none for
// a checkpoint already done.
#include "server/round_throttle.h"

#include <gtest/gtest.h>

namespace memoria::server {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'000'000);

absl::Time At(int millis) { return kStart + absl::Milliseconds(millis); }

TEST(RoundThrottleTest, UnderLoadAtMostOneRoundPerInterval) {
  RoundThrottle throttle(absl::Seconds(1), absl::Milliseconds(100));
  ASSERT_TRUE(throttle.Due("c1", At(0)));  // the first one at once
  throttle.Started(At(0));
  throttle.Done("c1");
  // New checkpoints every 50 ms: never idle, so the next round waits for the interval.
  int rounds = 0;
  for (int t = 50; t < 3000; t += 50) {
    const std::string note = "c" + std::to_string(t);
    if (throttle.Due(note, At(t))) {
      ++rounds;
      EXPECT_EQ(t % 1000, 0) << t;
      throttle.Started(At(t));
      throttle.Done(note);
    }
  }
  EXPECT_EQ(rounds, 2);  // at 1000 and 2000 ms
}

TEST(RoundThrottleTest, TheLastCheckpointBeforeAPauseGoesAtOnce) {
  RoundThrottle throttle(absl::Minutes(10), absl::Milliseconds(100));
  ASSERT_TRUE(throttle.Due("c1", At(0)));
  throttle.Started(At(0));
  throttle.Done("c1");
  EXPECT_FALSE(throttle.Due("c2", At(10)));
  EXPECT_FALSE(throttle.Due("c2", At(100)));
  EXPECT_TRUE(throttle.Due("c2", At(110)));  // unchanged for 100 ms
}

TEST(RoundThrottleTest, NothingIsDueForACheckpointDoneOrEmpty) {
  RoundThrottle throttle(absl::Milliseconds(10), absl::Milliseconds(10));
  EXPECT_FALSE(throttle.Due("", At(0)));
  throttle.Done("c1");
  EXPECT_FALSE(throttle.Due("c1", At(1000)));
  // Not done (a failed round): due again after the interval.
  ASSERT_TRUE(throttle.Due("c2", At(1000)));
  throttle.Started(At(1000));
  EXPECT_FALSE(throttle.Due("c2", At(1005)));
  EXPECT_TRUE(throttle.Due("c2", At(1010)));
}

}  // namespace
}  // namespace memoria::server
