#include "tests/support/nginx_process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace memoria::testing {

std::string FindNginx() {
  for (const char* path : {"/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"}) {
    if (access(path, X_OK) == 0) return path;
  }
  return "";
}

// A port that was free a moment ago.
namespace {

bool Accepts(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  const bool connected = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  return connected;
}

// The server block of server/README.md ("Serving the tiles with nginx"),
// with the test's port and directory.
constexpr char kNginxServer[] = R"(
  server {
    listen 127.0.0.1:PORT;
    root TILES;
    gzip on;
    gzip_types application/octet-stream;
    gzip_vary on;
    location = /checkpoint {
      types { }
      default_type "text/plain; charset=utf-8";
      add_header Cache-Control "public, max-age=5" always;
    }
    location ~ "^/tile/([0-9]|[1-5][0-9]|6[0-3]|entries)/(x[0-9]{3}/)*[0-9]{3}\.p/[1-9][0-9]{0,2}$" {
      types { }
      default_type application/octet-stream;
      add_header Cache-Control "public, max-age=60";
    }
    location ~ "^/tile/([0-9]|[1-5][0-9]|6[0-3]|entries)/(x[0-9]{3}/)*[0-9]{3}$" {
      types { }
      default_type application/octet-stream;
      add_header Cache-Control "public, max-age=31536000, immutable";
    }
    location / {
      add_header Cache-Control "no-store" always;
      return 404;
    }
  }
)";

}  // namespace

Nginx::Nginx(const std::string& binary, int port, const std::string& tiles, const std::string& scratch) {
  const std::string prefix = scratch + "/nginx";
  std::filesystem::create_directories(prefix + "/temp");
  std::string conf = absl::StrCat(
      "daemon off;\nworker_processes 1;\n", "pid ", prefix, "/nginx.pid;\n", "error_log ",
      prefix, "/error.log warn;\n",
      // As root, the workers would become nobody, who cannot read the
      // test's private directory.
      geteuid() == 0 ? "user root;\n" : "", "events { worker_connections 64; }\n", "http {\n",
      "  access_log ", prefix, "/access.log;\n", "  client_body_temp_path ", prefix,
      "/temp/body;\n", "  proxy_temp_path ", prefix, "/temp/proxy;\n", "  fastcgi_temp_path ",
      prefix, "/temp/fastcgi;\n", "  uwsgi_temp_path ", prefix, "/temp/uwsgi;\n",
      "  scgi_temp_path ", prefix, "/temp/scgi;\n",
      absl::StrReplaceAll(kNginxServer, {{"PORT", std::to_string(port)}, {"TILES", tiles}}),
      "}\n");
  conf_path_ = prefix + "/nginx.conf";
  error_log_ = prefix + "/error.log";
  std::ofstream(conf_path_) << conf;
  pid_ = fork();
  if (pid_ == 0) {
    const int null = open("/dev/null", O_RDWR);
    dup2(null, 0);
    dup2(null, 1);
    execl(binary.c_str(), binary.c_str(), "-p", prefix.c_str(), "-c", conf_path_.c_str(), "-e",
          error_log_.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  for (int i = 0; i < 1000 && !Accepts(port); ++i) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ready_ = Accepts(port);
}

Nginx::~Nginx() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);  // its master; it stops its worker
    int status = 0;
    waitpid(pid_, &status, 0);
  }
}

std::string Nginx::errors() const {
  std::ifstream in(error_log_);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace memoria::testing
