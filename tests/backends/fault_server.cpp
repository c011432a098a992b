#include "tests/backends/fault_server.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <list>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/read_until.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

namespace braid::backends::testing {

namespace {

using asio::ip::tcp;
constexpr auto tuple_awaitable = asio::experimental::as_tuple(asio::use_awaitable);

const char* reason(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 404:
            return "Not Found";
        case 408:
            return "Request Timeout";
        case 429:
            return "Too Many Requests";
        case 500:
            return "Internal Server Error";
        case 503:
            return "Service Unavailable";
        default:
            return "Status";
    }
}

std::string chunk(const std::string& bytes) {
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", bytes.size());
    return size + bytes + "\r\n";
}

Step write(std::string bytes) {
    return Step{Step::Kind::write, std::move(bytes), {}};
}

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

}  // namespace

const std::string* RecordedRequest::header(const std::string& lower_name) const {
    for (const auto& [name, value] : headers)
        if (name == lower_name) return &value;
    return nullptr;
}

Reply json_reply(int status, const std::string& body, const std::vector<std::string>& headers) {
    std::string head =
        "HTTP/1.1 " + std::to_string(status) + " " + reason(status) +
        "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\n";
    for (const std::string& h : headers) head += h + "\r\n";
    return Reply{{write(head + "\r\n" + body)}};
}

Reply sse_reply(const std::vector<std::string>& pieces) {
    Reply r;
    r.steps.push_back(
        write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: "
              "chunked\r\n\r\n"));
    for (const std::string& p : pieces) r.steps.push_back(write(chunk(p)));
    r.steps.push_back(write("0\r\n\r\n"));
    return r;
}

Reply sse_reply_split(const std::vector<std::string>& events, std::size_t piece_bytes) {
    std::string all;
    for (const std::string& e : events) all += e;
    std::vector<std::string> pieces;
    for (std::size_t at = 0; at < all.size(); at += piece_bytes)
        pieces.push_back(all.substr(at, piece_bytes));
    return sse_reply(pieces);
}

Reply drop_after(Reply reply, std::size_t keep) {
    reply.steps.resize(std::min(keep, reply.steps.size()));
    reply.steps.push_back(Step{Step::Kind::drop, {}, {}});
    return reply;
}

Reply hang_after(Reply reply, std::size_t keep) {
    reply.steps.resize(std::min(keep, reply.steps.size()));
    reply.steps.push_back(Step{Step::Kind::hang, {}, {}});
    return reply;
}

Reply paced(Reply reply, std::chrono::milliseconds delay) {
    Reply out;
    for (std::size_t i = 0; i < reply.steps.size(); ++i) {
        if (i > 0) out.steps.push_back(Step{Step::Kind::pause, {}, delay});
        out.steps.push_back(std::move(reply.steps[i]));
    }
    return out;
}

struct FaultServer::State {
    State(asio::any_io_executor ex, Script s)
        : executor(ex),
          acceptor(ex, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
          script(std::move(s)),
          close_signal(ex) {}

    asio::any_io_executor executor;
    tcp::acceptor acceptor;
    Script script;
    std::vector<RecordedRequest> requests;
    std::list<std::weak_ptr<tcp::socket>> open;
    std::size_t accepted = 0;
    std::size_t client_closes = 0;
    asio::steady_timer close_signal;  // cancelled whenever client_closes grows
    bool stopped = false;
};

namespace {

// Reads one request (head and Content-Length body) from `buffer` + socket; false at EOF.
asio::awaitable<bool> read_request(tcp::socket& socket, std::string& buffer, RecordedRequest& out) {
    auto [ec, head_len] = co_await asio::async_read_until(socket, asio::dynamic_buffer(buffer),
                                                          "\r\n\r\n", tuple_awaitable);
    if (ec) co_return false;
    std::string head = buffer.substr(0, head_len);
    buffer.erase(0, head_len);
    std::size_t line_end = head.find("\r\n");
    std::string request_line = head.substr(0, line_end);
    std::size_t sp1 = request_line.find(' '), sp2 = request_line.rfind(' ');
    out.method = request_line.substr(0, sp1);
    out.path = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
    std::size_t content_length = 0;
    for (std::size_t at = line_end + 2; at < head.size();) {
        std::size_t end = head.find("\r\n", at);
        std::string line = head.substr(at, end - at);
        at = end + 2;
        std::size_t colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string name = lower(line.substr(0, colon));
        std::string value = line.substr(line.find_first_not_of(' ', colon + 1));
        if (name == "content-length") content_length = std::stoul(value);
        out.headers.emplace_back(std::move(name), std::move(value));
    }
    if (buffer.size() < content_length) {
        auto [ec2, n] = co_await asio::async_read(
            socket, asio::dynamic_buffer(buffer),
            asio::transfer_exactly(content_length - buffer.size()), tuple_awaitable);
        if (ec2) co_return false;
    }
    out.body = buffer.substr(0, content_length);
    buffer.erase(0, content_length);
    co_return true;
}

asio::awaitable<void> serve(std::shared_ptr<FaultServer::State> st,
                            std::shared_ptr<tcp::socket> socket, std::size_t connection) {
    std::string buffer;
    asio::steady_timer pause(st->executor);
    for (;;) {
        RecordedRequest request;
        request.connection = connection;
        if (!co_await read_request(*socket, buffer, request)) co_return;
        std::size_t index = st->requests.size();
        st->requests.push_back(request);
        Reply reply = st->script(request, index);
        for (const Step& step : reply.steps) {
            if (step.kind == Step::Kind::write) {
                auto [ec, n] =
                    co_await asio::async_write(*socket, asio::buffer(step.bytes), tuple_awaitable);
                if (ec) co_return;
            } else if (step.kind == Step::Kind::pause) {
                pause.expires_after(step.delay);
                auto [ec] = co_await pause.async_wait(tuple_awaitable);
                if (ec || st->stopped) co_return;
            } else if (step.kind == Step::Kind::drop) {
                asio::error_code ignored;
                socket->close(ignored);
                co_return;
            } else {  // hang: wait for the client to close (a read ends with EOF or an error)
                char sink[512];
                for (;;) {
                    auto [ec, n] =
                        co_await socket->async_read_some(asio::buffer(sink), tuple_awaitable);
                    if (ec) break;
                }
                if (!st->stopped) {
                    ++st->client_closes;
                    st->close_signal.cancel();
                }
                co_return;
            }
        }
    }
}

asio::awaitable<void> accept_loop(std::shared_ptr<FaultServer::State> st) {
    for (;;) {
        auto socket = std::make_shared<tcp::socket>(st->executor);
        auto [ec] = co_await st->acceptor.async_accept(*socket, tuple_awaitable);
        if (ec || st->stopped) co_return;
        socket->set_option(tcp::no_delay(true));
        st->open.remove_if([](const std::weak_ptr<tcp::socket>& w) { return w.expired(); });
        st->open.push_back(socket);
        asio::co_spawn(st->executor, serve(st, socket, ++st->accepted), asio::detached);
    }
}

}  // namespace

FaultServer::FaultServer(asio::any_io_executor executor, Script script)
    : state_(std::make_shared<State>(executor, std::move(script))) {
    state_->acceptor.listen(asio::socket_base::max_listen_connections);
    asio::co_spawn(executor, accept_loop(state_), asio::detached);
}

FaultServer::~FaultServer() {
    stop();
}

unsigned short FaultServer::port() const {
    return state_->acceptor.local_endpoint().port();
}

std::string FaultServer::base_url() const {
    return "http://127.0.0.1:" + std::to_string(port()) + "/v1";
}

void FaultServer::stop() {
    if (state_->stopped) return;
    state_->stopped = true;
    asio::error_code ignored;
    state_->acceptor.close(ignored);
    for (auto& weak : state_->open)
        if (auto s = weak.lock()) s->close(ignored);
    state_->close_signal.cancel();
}

const std::vector<RecordedRequest>& FaultServer::requests() const {
    return state_->requests;
}
std::size_t FaultServer::connections_accepted() const {
    return state_->accepted;
}
std::size_t FaultServer::client_closes() const {
    return state_->client_closes;
}

asio::awaitable<bool> FaultServer::wait_for_client_closes(std::size_t count,
                                                          std::chrono::milliseconds limit) {
    std::shared_ptr<State> st = state_;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (st->client_closes < count) {
        if (st->stopped || std::chrono::steady_clock::now() >= deadline) co_return false;
        st->close_signal.expires_at(deadline);
        co_await st->close_signal.async_wait(tuple_awaitable);
    }
    co_return true;
}

}  // namespace braid::backends::testing
