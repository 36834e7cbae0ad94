#include "ledger/policy/event_labels.h"

#include <array>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace memoria::policy {
namespace {

struct Label {
  std::string_view type;
  std::string_view es;
  std::string_view en;
};

// In the order of the .proto files. The Spanish words follow the Alcaldía de
// Pasto's "Política de Redes Sociales" (cuentas principales y alternas,
// PQRD, unidad de correspondencia, transmisiones en vivo).
constexpr std::array kLabels = {
    Label{"genesis", "Creación del libro de auditoría", "Audit log created"},
    Label{"writer_registered", "Registro de clave de escritor", "Writer key registered"},
    Label{"writer_revoked", "Revocación de clave de escritor", "Writer key revoked"},
    Label{"administrator_appointed", "Designación de administrador sucesor",
          "Successor administrator appointed"},
    Label{"generic", "Evento genérico", "Generic event"},
    Label{"alternate_account_authorized", "Autorización de cuenta alterna",
          "Alternate account authorized"},
    Label{"account_created", "Creación de cuenta", "Account created"},
    Label{"account_closed", "Cierre de cuenta", "Account closed"},
    Label{"account_reopened", "Reapertura de cuenta", "Account reopened"},
    Label{"admin_role_granted", "Asignación de rol de administrador", "Administrator role granted"},
    Label{"admin_role_revoked", "Retiro de rol de administrador", "Administrator role revoked"},
    Label{"employment_ended", "Fin de la vinculación laboral", "Employment ended"},
    Label{"credentials_rotated", "Cambio de contraseñas", "Credentials rotated"},
    Label{"post_published", "Publicación", "Post published"},
    Label{"post_edited", "Edición de publicación", "Post edited"},
    Label{"post_removed", "Retiro de publicación", "Post removed"},
    Label{"reply_published", "Respuesta a un comentario", "Reply published"},
    Label{"comment_moderated", "Moderación de comentario", "Comment moderated"},
    Label{"user_blocked", "Bloqueo de usuario", "User blocked"},
    Label{"live_stream_authorized", "Autorización de transmisión en vivo",
          "Live stream authorized"},
    Label{"live_stream_started", "Inicio de transmisión en vivo", "Live stream started"},
    Label{"live_stream_ended", "Fin de transmisión en vivo", "Live stream ended"},
    Label{"pqrd_received", "PQRD recibida", "PQRD received"},
    Label{"pqrd_referred", "PQRD remitida a la unidad de correspondencia",
          "PQRD referred to the correspondence unit"},
    Label{"announcement_shared", "Información compartida", "Announcement shared"},
    Label{"personal_data_erased", "Supresión de datos personales", "Personal data erased"},
    Label{"responsible_administrator_notified",
          "Notificación del administrador responsable a Comunicación Social",
          "Responsible administrator notified to Communications"},
    Label{"controversy_recorded", "Controversia asumida por el director",
          "Controversy recorded"},
    Label{"platform_approved", "Aprobación de red social", "Platform approved"},
};

const Label* Find(std::string_view type) {
  for (const Label& label : kLabels) {
    if (label.type == type) return &label;
  }
  return nullptr;
}

}  // namespace

std::string_view EventTypeLabel(std::string_view type, Language lang) {
  const Label* label = Find(type);
  if (label == nullptr) return type;
  return lang == Language::kEs ? label->es : label->en;
}

bool HasEventTypeLabel(std::string_view type) { return Find(type) != nullptr; }

absl::StatusOr<Language> ParseLanguage(std::string_view text) {
  const std::string lower = absl::AsciiStrToLower(std::string(text));
  if (lower == "es") return Language::kEs;
  if (lower == "en") return Language::kEn;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown language \"", std::string(text), "\": es (español) or en (English)"));
}

}  // namespace memoria::policy
