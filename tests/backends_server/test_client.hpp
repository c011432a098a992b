#pragma once
// Test helpers for braid serve: a server on a background io_context thread, and a tiny blocking
// HTTP/1.1 client on POSIX sockets (Content-Length, chunked and read-until-close bodies; SSE
// split into `data:` payloads). Every socket read has a timeout, so a broken server fails the
// test instead of hanging it.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <asio/io_context.hpp>

#include "backends/server/http_server.hpp"

namespace braid::test {

inline constexpr int client_timeout_s = 10;

// An HttpServer running on its own thread for the lifetime of the fixture.
class ServerFixture {
public:
    ServerFixture(backends::Backend& backend, backends::server::ServerOptions options = {})
        : server_(std::make_unique<backends::server::HttpServer>(io_.get_executor(), backend,
                                                                 std::move(options))) {
        auto started = server_->start();
        if (!started) throw std::runtime_error(started.error().describe());
        thread_ = std::thread([this] { io_.run(); });
    }
    ~ServerFixture() {
        server_->stop();
        thread_.join();  // io.run() returns once every connection has ended
    }
    ServerFixture(const ServerFixture&) = delete;
    ServerFixture& operator=(const ServerFixture&) = delete;

    std::uint16_t port() const { return server_->port(); }
    void stop(std::chrono::milliseconds drain) { server_->stop(drain); }

private:
    asio::io_context io_;
    std::unique_ptr<backends::server::HttpServer> server_;
    std::thread thread_;
};

struct HttpReply {
    int status = 0;
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;                            // de-chunked

    std::string header(const std::string& name) const {
        auto it = headers.find(name);
        return it == headers.end() ? "" : it->second;
    }
};

class TestClient {
public:
    explicit TestClient(std::uint16_t port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        if (fd_ < 0) throw std::runtime_error("socket() failed");
        timeval tv{client_timeout_s, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        int one = 1;
        ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
            throw std::runtime_error("connect() failed");
    }
    ~TestClient() { close(); }
    TestClient(const TestClient&) = delete;
    TestClient& operator=(const TestClient&) = delete;

    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

    // Sends everything; false if the peer went away.
    bool send(std::string_view bytes) {
        while (!bytes.empty()) {
            ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n <= 0) return false;
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
        return true;
    }

    // Reads until the peer closes; false on timeout or error (not a clean close).
    bool read_until_closed(std::string* out = nullptr) {
        for (;;) {
            int got = fill();
            if (got == 0) break;
            if (got < 0) return false;
        }
        if (out) *out = std::move(buffer_);
        buffer_.clear();
        return true;
    }

    // Reads the status line and headers of the next response (skipping 100 Continue unless
    // `skip_interim` is false).
    HttpReply read_head(bool skip_interim = true) {
        HttpReply reply;
        for (;;) {
            std::string status_line = read_line();
            if (status_line.size() < 12)
                throw std::runtime_error("bad status line: " + status_line);
            reply.status = std::stoi(status_line.substr(9, 3));
            reply.headers.clear();
            for (std::string line = read_line(); !line.empty(); line = read_line()) {
                auto colon = line.find(':');
                std::string name = line.substr(0, colon);
                for (char& c : name)
                    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                std::string value = line.substr(colon + 1);
                while (!value.empty() && value.front() == ' ') value.erase(0, 1);
                reply.headers[name] = value;
            }
            if (reply.status != 100 || !skip_interim) return reply;
        }
    }

    // The next piece of a chunked body, or nullopt after the last chunk.
    std::optional<std::string> read_chunk() {
        std::size_t size = std::stoul(read_line(), nullptr, 16);
        std::string data = read_exact(size);
        read_line();
        if (size == 0) return std::nullopt;
        return data;
    }

    // A whole response: Content-Length, chunked, or (no framing) until close.
    HttpReply read_response() {
        HttpReply reply = read_head();
        if (reply.header("transfer-encoding") == "chunked") {
            while (auto chunk = read_chunk()) reply.body += *chunk;
        } else if (!reply.header("content-length").empty()) {
            reply.body = read_exact(std::stoul(reply.header("content-length")));
        } else {
            std::string rest;
            if (!read_until_closed(&rest)) throw std::runtime_error("response body did not end");
            reply.body = std::move(rest);
        }
        return reply;
    }

private:
    // Reads more into buffer_: bytes read, 0 on close, -1 on timeout/error.
    int fill() {
        char tmp[16384];
        ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
        if (n > 0) buffer_.append(tmp, static_cast<std::size_t>(n));
        return n > 0 ? static_cast<int>(n) : (n == 0 ? 0 : -1);
    }
    std::string read_line() {
        for (;;) {
            auto nl = buffer_.find("\r\n");
            if (nl != std::string::npos) {
                std::string line = buffer_.substr(0, nl);
                buffer_.erase(0, nl + 2);
                return line;
            }
            if (fill() <= 0) throw std::runtime_error("connection ended inside a line");
        }
    }
    std::string read_exact(std::size_t n) {
        while (buffer_.size() < n)
            if (fill() <= 0) throw std::runtime_error("connection ended inside a body");
        std::string out = buffer_.substr(0, n);
        buffer_.erase(0, n);
        return out;
    }

    int fd_ = -1;
    std::string buffer_;
};

// A POST with a JSON body.
inline std::string post(const std::string& path, const std::string& body,
                        const std::string& extra_headers = "") {
    return "POST " + path +
           " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n" + extra_headers + "\r\n" + body;
}

inline std::string get(const std::string& path) {
    return "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
}

// The `data:` payloads of an SSE body, in order.
inline std::vector<std::string> sse_events(const std::string& body) {
    std::vector<std::string> events;
    std::size_t pos = 0;
    while (pos < body.size()) {
        std::size_t end = body.find("\n\n", pos);
        if (end == std::string::npos) end = body.size();
        std::string event = body.substr(pos, end - pos);
        if (event.rfind("data: ", 0) == 0) events.push_back(event.substr(6));
        pos = end + 2;
    }
    return events;
}

// One request on a fresh connection.
inline HttpReply exchange(std::uint16_t port, const std::string& request) {
    TestClient client(port);
    client.send(request);
    return client.read_response();
}

}  // namespace braid::test
