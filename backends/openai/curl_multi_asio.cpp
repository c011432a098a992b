#include "backends/openai/curl_multi_asio.hpp"

#include <exception>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include <asio/experimental/as_tuple.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "backends/openai/curl_handles.hpp"
#include "backends/openai/curl_transfer.hpp"

namespace braid::backends::openai {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t max_pooled_easy_handles = 256;

// One watched socket. Held by shared_ptr because pending async_wait handlers hold a weak_ptr and
// may run after curl asked us to forget the socket.
struct SocketWatch {
    SocketWatch(const asio::any_io_executor& ex, curl_socket_t socket, CurlMultiAsio::Impl* owner)
        : descriptor(ex, socket), fd(socket), impl(owner) {}
    asio::posix::stream_descriptor descriptor;
    curl_socket_t fd;
    CurlMultiAsio::Impl* impl;  // not owned; outlives every watch it holds
    int wanted = 0;             // CURL_POLL_IN / OUT / INOUT
    bool read_pending = false;
    bool write_pending = false;
    bool removed = false;
};

}  // namespace

class CurlMultiAsio::Impl : public std::enable_shared_from_this<Impl> {
public:
    explicit Impl(asio::any_io_executor ex)
        : executor_(std::move(ex)), multi_(make_curl_multi()), timer_(executor_) {
        curl_multi_setopt(multi_.get(), CURLMOPT_SOCKETFUNCTION, &Impl::on_socket);
        curl_multi_setopt(multi_.get(), CURLMOPT_SOCKETDATA, this);
        curl_multi_setopt(multi_.get(), CURLMOPT_TIMERFUNCTION, &Impl::on_timer);
        curl_multi_setopt(multi_.get(), CURLMOPT_TIMERDATA, this);
    }

    ~Impl() {
        // Stop callbacks first: curl_multi_cleanup closes cached connections and would report them.
        curl_multi_setopt(multi_.get(), CURLMOPT_SOCKETFUNCTION, nullptr);
        curl_multi_setopt(multi_.get(), CURLMOPT_TIMERFUNCTION, nullptr);
        shut_down();
        multi_.reset();
    }

    // Ends every running transfer (their frames resume with an error) and stops watching.
    void shut_down() {
        for (Transfer* t : std::vector<Transfer*>(active_.begin(), active_.end())) {
            remove(*t);
            t->done = true;
            t->shut_down = true;
            t->wake.cancel();
        }
        for (auto& [fd, watch] : watches_) forget(*watch);
        watches_.clear();
        timer_.cancel();
        timer_armed_ = false;
        timeout_wanted_.reset();
    }

    const asio::any_io_executor& executor() const { return executor_; }
    std::size_t active() const { return active_.size(); }

    CurlEasy take_easy() {
        if (pool_.empty()) return make_curl_easy();
        CurlEasy easy = std::move(pool_.back());
        pool_.pop_back();
        return easy;
    }
    void give_back(CurlEasy easy) {
        if (!easy || pool_.size() >= max_pooled_easy_handles) return;
        curl_easy_reset(easy.get());
        pool_.push_back(std::move(easy));
    }

    void add(Transfer& t) {
        BRAID_ASSERT(depth_ == 0, "CurlMultiAsio: transfer added from inside a libcurl callback");
        t.started = t.last_activity = Clock::now();
        CURLMcode rc = curl_multi_add_handle(multi_.get(), t.easy.get());
        BRAID_ASSERT(rc == CURLM_OK, "curl_multi_add_handle failed");
        t.in_multi = true;
        active_.insert(&t);
    }

    void remove(Transfer& t) {
        if (!t.in_multi) return;
        BRAID_ASSERT(depth_ == 0, "CurlMultiAsio: transfer removed from inside a libcurl callback");
        curl_multi_remove_handle(multi_.get(), t.easy.get());
        t.in_multi = false;
        active_.erase(&t);
    }

private:
    static int on_socket(CURL*, curl_socket_t fd, int what, void* user, void*) {
        static_cast<Impl*>(user)->watch(fd, what);
        return 0;
    }

    static int on_timer(CURLM*, long timeout_ms, void* user) {
        static_cast<Impl*>(user)->schedule(timeout_ms);
        return 0;
    }

    void watch(curl_socket_t fd, int what) {
        auto it = watches_.find(fd);
        if (what == CURL_POLL_REMOVE) {
            if (it == watches_.end()) return;
            forget(*it->second);
            watches_.erase(it);
            return;
        }
        if (it == watches_.end())
            it = watches_.emplace(fd, std::make_shared<SocketWatch>(executor_, fd, this)).first;
        it->second->wanted = what;
        arm(it->second);
    }

    // curl owns the socket and closes it itself: release (deregister) instead of closing.
    static void forget(SocketWatch& w) {
        w.removed = true;
        asio::error_code ignored;
        w.descriptor.cancel(ignored);
        (void)w.descriptor.release();
    }

    static void arm(const std::shared_ptr<SocketWatch>& w) {
        if ((w->wanted & CURL_POLL_IN) && !w->read_pending) {
            w->read_pending = true;
            std::weak_ptr<SocketWatch> weak = w;
            w->descriptor.async_wait(
                asio::posix::stream_descriptor::wait_read,
                [weak](asio::error_code ec) { ready(weak, ec, CURL_CSELECT_IN); });
        }
        if ((w->wanted & CURL_POLL_OUT) && !w->write_pending) {
            w->write_pending = true;
            std::weak_ptr<SocketWatch> weak = w;
            w->descriptor.async_wait(
                asio::posix::stream_descriptor::wait_write,
                [weak](asio::error_code ec) { ready(weak, ec, CURL_CSELECT_OUT); });
        }
    }

    static void ready(const std::weak_ptr<SocketWatch>& weak, asio::error_code ec, int direction) {
        std::shared_ptr<SocketWatch> w = weak.lock();
        if (!w || w->removed || ec == asio::error::operation_aborted) return;
        (direction == CURL_CSELECT_IN ? w->read_pending : w->write_pending) = false;
        int wanted_bit = direction == CURL_CSELECT_IN ? CURL_POLL_IN : CURL_POLL_OUT;
        if (w->wanted & wanted_bit) w->impl->act(w->fd, ec ? CURL_CSELECT_ERR : direction);
        if (!w->removed) arm(w);
    }

    // libcurl asks for a new timeout after nearly every socket action. Re-arming the steady timer
    // each time costs a timerfd_settime syscall, so the timer is re-armed only when the wanted
    // instant is earlier than the armed one; when it fires early it re-arms for what is wanted.
    void schedule(long timeout_ms) {
        if (timeout_ms < 0) {
            // Nothing wanted. A pending wait would keep the io_context busy: cancel it.
            timeout_wanted_.reset();
            if (timer_armed_) timer_.cancel();
            timer_armed_ = false;
            return;
        }
        Clock::time_point due = Clock::now() + std::chrono::milliseconds(timeout_ms);
        timeout_wanted_ = due;
        if (!timer_armed_ || due < timer_due_) arm_timer(due);
    }

    void arm_timer(Clock::time_point due) {
        timer_armed_ = true;
        timer_due_ = due;
        timer_.expires_at(due);  // cancels a pending wait: its handler sees operation_aborted
        std::weak_ptr<Impl> weak = weak_from_this();
        timer_.async_wait([weak](asio::error_code ec) {
            if (ec) return;
            if (auto self = weak.lock()) self->on_timer_fired();
        });
    }

    void on_timer_fired() {
        timer_armed_ = false;
        if (!timeout_wanted_) return;
        if (Clock::now() < *timeout_wanted_) {
            arm_timer(*timeout_wanted_);
            return;
        }
        timeout_wanted_.reset();
        act(CURL_SOCKET_TIMEOUT, 0);
    }

    void act(curl_socket_t fd, int events) {
        int running = 0;
        ++depth_;
        CURLMcode rc = curl_multi_socket_action(multi_.get(), fd, events, &running);
        --depth_;
        BRAID_ASSERT(rc == CURLM_OK || rc == CURLM_BAD_SOCKET, "curl_multi_socket_action failed");
        collect_finished();
    }

    void collect_finished() {
        int left = 0;
        while (CURLMsg* msg = curl_multi_info_read(multi_.get(), &left)) {
            if (msg->msg != CURLMSG_DONE) continue;
            CURLcode result = msg->data.result;
            void* t_ptr = nullptr;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t_ptr);
            auto* t = static_cast<Transfer*>(t_ptr);
            remove(*t);  // invalidates msg
            t->result = result;
            t->done = true;
            t->wake.cancel();
        }
    }

    asio::any_io_executor executor_;
    CurlMulti multi_;
    asio::steady_timer timer_;
    bool timer_armed_ = false;
    Clock::time_point timer_due_{};
    std::optional<Clock::time_point> timeout_wanted_;  // what libcurl asked for last
    std::unordered_map<curl_socket_t, std::shared_ptr<SocketWatch>> watches_;
    std::unordered_set<Transfer*> active_;  // not owned: each belongs to its perform() frame
    std::vector<CurlEasy> pool_;            // reset easy handles ready for reuse
    int depth_ = 0;                         // > 0 while inside curl_multi_socket_action
};

const std::string* HttpHead::find(std::string_view lower_name) const {
    for (const HttpHeader& h : headers)
        if (h.name == lower_name) return &h.value;
    return nullptr;
}

CurlMultiAsio::CurlMultiAsio(asio::any_io_executor executor)
    : impl_(std::make_shared<Impl>(std::move(executor))) {}

CurlMultiAsio::~CurlMultiAsio() {
    impl_->shut_down();
}

std::size_t CurlMultiAsio::active_transfers() const {
    return impl_->active();
}

const asio::any_io_executor& CurlMultiAsio::executor() const {
    return impl_->executor();
}

asio::awaitable<Result<HttpResponse>> CurlMultiAsio::perform(HttpRequest request,
                                                             BodySink on_body) {
    co_await asio::this_coro::throw_if_cancelled(false);
    std::string where = request.method + " " + loggable_url(request.url) + ": ";
    auto state = co_await asio::this_coro::cancellation_state;
    if (state.cancelled() != asio::cancellation_type::none)
        co_return make_error(ErrorCode::cancelled, where + "cancelled before it started");

    std::shared_ptr<Impl> impl = impl_;  // keeps the multi alive while this transfer runs
    auto t = std::make_unique<Transfer>(impl->executor());
    t->request = std::move(request);
    t->sink = std::move(on_body);
    t->easy = impl->take_easy();
    configure(*t);
    // Runs on every exit, including the frame being destroyed while suspended.
    struct Detach {
        Impl& impl;
        Transfer& transfer;
        ~Detach() {
            impl.remove(transfer);
            impl.give_back(std::move(transfer.easy));
        }
    } detach{*impl, *t};
    impl->add(*t);

    while (!t->done) {
        t->wake.expires_at(t->deadline());
        auto [ec] = co_await t->wake.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
        if (t->done) break;
        if (ec == asio::error::operation_aborted) {
            auto cancel_state = co_await asio::this_coro::cancellation_state;
            if (cancel_state.cancelled() !=
                asio::cancellation_type::none)  // Detach removes the handle
                co_return make_error(ErrorCode::cancelled, where + "cancelled");
            continue;  // woken by the first byte: re-arm for the idle deadline
        }
        if (Clock::now() >= t->deadline()) {
            const char* which = t->got_first_byte ? "no data for the idle timeout of "
                                                  : "no response within the first-byte timeout of ";
            auto ms = t->got_first_byte ? t->request.idle_timeout : t->request.first_byte_timeout;
            co_return make_error(ErrorCode::timeout,
                                 where + which + std::to_string(ms.count()) + " ms", true);
        }
    }
    if (t->sink_error) std::rethrow_exception(t->sink_error);
    if (t->shut_down)
        co_return make_error(ErrorCode::backend, where + "the HTTP client was shut down");
    if (t->result != CURLE_OK) {
        if (t->sink_refused)
            co_return make_error(ErrorCode::backend,
                                 where + "response body refused by its consumer");
        co_return transport_error(*t);
    }
    co_return std::move(t->response);
}

std::string loggable_url(std::string_view url) {
    std::size_t scheme_end = url.find("://");
    std::size_t authority = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
    std::size_t authority_end = url.find_first_of("/?#", authority);
    if (authority_end == std::string_view::npos) authority_end = url.size();
    std::size_t at = url.rfind('@', authority_end);
    std::string out(url.substr(0, authority));
    std::size_t host = (at != std::string_view::npos && at >= authority) ? at + 1 : authority;
    std::size_t query = url.find_first_of("?#", authority_end);
    out += url.substr(host, (query == std::string_view::npos ? url.size() : query) - host);
    return out;
}

}  // namespace braid::backends::openai
