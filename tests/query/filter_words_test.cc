// A request's filter in words (Spanish and English).
#include "ledger/query/filter_words.h"

#include "gtest/gtest.h"
#include "ledger/query/institution_time.h"

namespace memoria::query {
namespace {

using policy::Language;

absl::TimeZone Bogota() { return *LoadInstitutionZone("America/Bogota"); }

v1::QueryFilter March(const absl::TimeZone& zone) {
  v1::QueryFilter filter;
  filter.mutable_event_time()->set_from_micros(
      *ParseInstitutionTime("2026-03-01", zone, RangeBound::kFrom));
  filter.mutable_event_time()->set_to_micros(
      *ParseInstitutionTime("2026-03-31", zone, RangeBound::kTo));
  return filter;
}

TEST(FilterWordsTest, TheIssuesExample) {
  v1::QueryFilter filter = March(Bogota());
  v1::AccountRef& account = *filter.add_accounts();
  account.set_platform(v1::FACEBOOK);
  account.set_handle("alcaldiapasto");
  EXPECT_EQ(DescribeFilter(filter, Bogota(), Language::kEs),
            "eventos entre el 1 y el 31 de marzo de 2026 en la cuenta facebook/alcaldiapasto");
  EXPECT_EQ(DescribeFilter(filter, Bogota(), Language::kEn),
            "events between March 1 and March 31, 2026 on the account facebook/alcaldiapasto");
}

TEST(FilterWordsTest, EveryFilterAddsItsPhrase) {
  v1::QueryFilter filter = March(Bogota());
  filter.add_event_types("pqrd_received");
  filter.add_event_types("pqrd_referred");
  filter.add_generic_types("ticket.opened");
  filter.add_platforms(v1::FACEBOOK);
  filter.add_platforms(v1::TWITTER);
  filter.add_platforms(v1::INSTAGRAM);
  filter.add_actors("jperez@pasto.gov.co");
  filter.add_writers("svc-posts");
  filter.add_findings("user_blocked");
  filter.mutable_integrated()->set_from_micros(
      *ParseInstitutionTime("2026-04-01", Bogota(), RangeBound::kFrom));
  EXPECT_EQ(DescribeFilter(filter, Bogota(), Language::kEs),
            "eventos de tipo «PQRD recibida» o «PQRD remitida a la unidad de correspondencia» "
            "de tipo genérico «ticket.opened» entre el 1 y el 31 de marzo de 2026 "
            "en las redes sociales facebook, x o instagram del funcionario jperez@pasto.gov.co "
            "escritos con la clave svc-posts señalados por la regla «user_blocked» "
            "registrados en el libro desde el 1 de abril de 2026");
}

TEST(FilterWordsTest, NoFilterIsAllEvents) {
  EXPECT_EQ(DescribeFilter(v1::QueryFilter(), Bogota(), Language::kEs), "todos los eventos");
  EXPECT_EQ(DescribeFilter(v1::QueryFilter(), Bogota(), Language::kEn), "all events");
}

}  // namespace
}  // namespace memoria::query
