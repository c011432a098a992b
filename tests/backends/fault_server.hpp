#pragma once
// FaultServer: a scriptable HTTP/1.1 server for client tests, on 127.0.0.1 and an ephemeral port,
// driven by the same io_context as the client (real sockets, no threads).
//
// A script maps each request (and its index, counting from 0 over the server's life) to a Reply:
// a list of steps — write bytes, pause, close the socket abruptly, or hang (send nothing more and
// wait for the client to close). Helpers build JSON replies, chunked SSE replies split wherever a
// test wants, and faulty variants. Connections are keep-alive: after a reply the server reads the
// next request on the same socket.
//
// The server records every request and counts connections the client closed while the server was
// hanging, so tests can prove cancellation and timeouts really close the transfer.
// stop() closes the listener and every connection; call it before the io_context runs dry
// (ServerStop below does it on scope exit, also when a REQUIRE throws).

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

namespace braid::backends::testing {

struct RecordedRequest {
    std::string method;
    std::string path;
    std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
    std::string body;
    std::size_t connection = 0;  // which accepted connection carried it (1-based)
    const std::string* header(const std::string& lower_name) const;
};

struct Step {
    enum class Kind { write, pause, drop, hang };
    Kind kind = Kind::write;
    std::string bytes;                   // for write
    std::chrono::milliseconds delay{0};  // for pause
};

struct Reply {
    std::vector<Step> steps;
};

// A complete response with Content-Length. `headers` are extra "Name: value" lines.
Reply json_reply(int status, const std::string& body, const std::vector<std::string>& headers = {});
// A 200 text/event-stream response, chunked; each piece is written (and flushed) on its own.
Reply sse_reply(const std::vector<std::string>& pieces);
// `events` (each a complete "data: ...\n\n" text) concatenated and re-cut every `piece_bytes`.
Reply sse_reply_split(const std::vector<std::string>& events, std::size_t piece_bytes);
// The first `keep` steps of `reply`, then an abrupt close (a stream dropped mid-way).
Reply drop_after(Reply reply, std::size_t keep);
// The first `keep` steps of `reply`, then silence until the client gives up (a stalled server).
Reply hang_after(Reply reply, std::size_t keep);
// `reply` with a pause of `delay` before every step after the first.
Reply paced(Reply reply, std::chrono::milliseconds delay);

class FaultServer {
public:
    using Script = std::function<Reply(const RecordedRequest&, std::size_t index)>;

    FaultServer(asio::any_io_executor executor, Script script);
    ~FaultServer();
    FaultServer(const FaultServer&) = delete;
    FaultServer& operator=(const FaultServer&) = delete;

    unsigned short port() const;
    std::string base_url() const;  // "http://127.0.0.1:PORT/v1"
    void stop();

    const std::vector<RecordedRequest>& requests() const;
    std::size_t connections_accepted() const;
    std::size_t client_closes() const;  // connections closed by the client during a hang
    // Resolves true once client_closes() >= count, false if `limit` passes first.
    asio::awaitable<bool> wait_for_client_closes(std::size_t count,
                                                 std::chrono::milliseconds limit);

    struct State;

private:
    std::shared_ptr<State> state_;  // shared with the accept loop and every connection coroutine
};

// Calls stop() on scope exit.
class ServerStop {
public:
    explicit ServerStop(FaultServer& server) : server_(server) {}
    ~ServerStop() { server_.stop(); }
    ServerStop(const ServerStop&) = delete;
    ServerStop& operator=(const ServerStop&) = delete;

private:
    FaultServer& server_;
};

}  // namespace braid::backends::testing
