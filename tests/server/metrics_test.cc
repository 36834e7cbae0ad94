// The Prometheus text encoder (server/metrics.h), against the exact text of
// the exposition format 0.0.4.
#include "server/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>
#include <vector>

namespace memoria::server {
namespace {

TEST(MetricsTest, CounterAndGaugeFamiliesAsTheFormatWritesThem) {
  TextEncoder out;
  out.Family("memoria_appends_total", MetricType::kCounter, "Records appended.");
  out.Sample("memoria_appends_total", {}, 1027);
  out.Family("memoria_witness_up", MetricType::kGauge, "1 if up.");
  out.Sample("memoria_witness_up", {{"witness", "personeria"}}, 1);
  out.Sample("memoria_witness_up", {{"witness", "udenar"}, {"site", "b"}}, 0);
  EXPECT_EQ(out.Take(),
            "# HELP memoria_appends_total Records appended.\n"
            "# TYPE memoria_appends_total counter\n"
            "memoria_appends_total 1027\n"
            "# HELP memoria_witness_up 1 if up.\n"
            "# TYPE memoria_witness_up gauge\n"
            "memoria_witness_up{witness=\"personeria\"} 1\n"
            "memoria_witness_up{witness=\"udenar\",site=\"b\"} 0\n");
  EXPECT_EQ(out.Take(), "");
}

TEST(MetricsTest, LabelValuesAndHelpAreEscaped) {
  TextEncoder out;
  out.Family("m", MetricType::kGauge, "back\\slash and\nnewline \"quoted\"");
  out.Sample("m", {{"name", "a\"b\\c\nd}"}}, 2);
  EXPECT_EQ(out.Take(),
            "# HELP m back\\\\slash and\\nnewline \"quoted\"\n"
            "# TYPE m gauge\n"
            "m{name=\"a\\\"b\\\\c\\nd}\"} 2\n");
  EXPECT_EQ(EscapeLabelValue("plain ñ"), "plain ñ");
}

TEST(MetricsTest, ValuesAreExactIntegersOrShortestFloats) {
  EXPECT_EQ(FormatValue(0), "0");
  EXPECT_EQ(FormatValue(1234567), "1234567");         // not 1.23457e+06
  EXPECT_EQ(FormatValue(18446744073.0), "18446744073");
  EXPECT_EQ(FormatValue(-3), "-3");
  EXPECT_EQ(FormatValue(0.25), "0.25");
  EXPECT_EQ(FormatValue(0.0001), "0.0001");
  EXPECT_EQ(FormatValue(0.1 + 0.2), "0.30000000000000004");  // reads back the same
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatValue(std::nan("")), "NaN");
}

TEST(MetricsTest, HistogramBucketsAreCumulativeWithSumAndCount) {
  Histogram histogram({0.25, 0.5, 1});
  histogram.Observe(0.125);
  histogram.Observe(0.25);  // le is inclusive
  histogram.Observe(0.75);
  histogram.Observe(8);
  TextEncoder out;
  out.Family("memoria_batch_write_seconds", MetricType::kHistogram, "Write time.");
  out.HistogramSamples("memoria_batch_write_seconds", {{"kind", "x"}}, histogram.Snapshot());
  EXPECT_EQ(out.Take(),
            "# HELP memoria_batch_write_seconds Write time.\n"
            "# TYPE memoria_batch_write_seconds histogram\n"
            "memoria_batch_write_seconds_bucket{kind=\"x\",le=\"0.25\"} 2\n"
            "memoria_batch_write_seconds_bucket{kind=\"x\",le=\"0.5\"} 2\n"
            "memoria_batch_write_seconds_bucket{kind=\"x\",le=\"1\"} 3\n"
            "memoria_batch_write_seconds_bucket{kind=\"x\",le=\"+Inf\"} 4\n"
            "memoria_batch_write_seconds_sum{kind=\"x\"} 9.125\n"
            "memoria_batch_write_seconds_count{kind=\"x\"} 4\n");
}

TEST(MetricsTest, ConcurrentObservationsAreAllCounted) {
  Histogram histogram(kLatencyBuckets);
  Counter counter;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        histogram.Observe(0.001);
        counter.Increment();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const HistogramSnapshot snapshot = histogram.Snapshot();
  EXPECT_EQ(snapshot.count(), 40000u);
  EXPECT_NEAR(snapshot.sum, 40.0, 1e-6);
  EXPECT_EQ(counter.value(), 40000u);
}

TEST(MetricsTest, RegistryRunsItsCollectorsInOrderAtEachScrape) {
  MetricsRegistry registry;
  int scrapes = 0;
  registry.AddCollector([&](TextEncoder& out) {
    ++scrapes;
    out.Family("a", MetricType::kGauge, "A.");
    out.Sample("a", {}, scrapes);
  });
  registry.AddCollector([](TextEncoder& out) {
    out.Family("b_total", MetricType::kCounter, "B.");
    out.Sample("b_total", {}, 5);
  });
  EXPECT_EQ(registry.Scrape(),
            "# HELP a A.\n# TYPE a gauge\na 1\n# HELP b_total B.\n# TYPE b_total counter\n"
            "b_total 5\n");
  EXPECT_THAT(registry.Scrape(), ::testing::HasSubstr("\na 2\n"));
}

}  // namespace
}  // namespace memoria::server
