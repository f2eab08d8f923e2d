// spdlog_bench — `sluice-bench`'s workloads through spdlog's async logger, with
// the same JSON lines, so `make bench` can put every peer in one table.
//
// Configuration (spdlog's defaults for an async file logger): the global thread
// pool with a queue of 8192 messages and one worker, a basic_file_sink_mt,
// overflow policy block, the default pattern. spdlog has no sampling: W4 logs
// every 100th call, by a counter of the caller's.
//
// Usage: spdlog_bench [--reps N] [--records N] [--calls N] [--workload W1]... [--directory /tmp]
#include <spdlog/async.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>

#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

namespace {

const char *const operations[] = {"GET", "PUT", "POST", "DELETE", "HEAD", "PATCH", "LIST", "SCAN"};

double latency(long i)
{
    return double((i * 2654435761L) % 1000000) / 8;
}

uint64_t now_ns()
{
    timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return uint64_t(t.tv_sec) * 1000000000u + uint64_t(t.tv_nsec);
}

double clock_pair_overhead()
{
    std::vector<uint64_t> pairs(1000000);
    for (auto &pair : pairs) {
        uint64_t a = now_ns();
        pair = now_ns() - a;
    }
    std::sort(pairs.begin(), pairs.end());
    return double(pairs[pairs.size() / 2]);
}

long count_lines(const std::string &path)
{
    FILE *f = std::fopen(path.c_str(), "r");
    if (!f)
        return 0;
    long lines = 0;
    std::vector<char> buffer(1 << 20);
    size_t n;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), f)) > 0)
        lines += std::count(buffer.begin(), buffer.begin() + long(n), '\n');
    std::fclose(f);
    return lines;
}

// One log call of a workload.
void call(spdlog::logger &logger, const std::string &workload, long i)
{
    if (workload == "W3")
        logger.debug("request id={} op={} latency_us={}", i, operations[i & 7], latency(i));
    else if (workload == "W4") {
        if (i % 100 == 0)
            logger.debug("request id={} op={} latency_us={}", i, operations[i & 7], latency(i));
    } else
        logger.info("request id={} op={} latency_us={}", i, operations[i & 7], latency(i));
}

std::shared_ptr<spdlog::logger> open_logger(const std::string &path, const std::string &workload)
{
    spdlog::init_thread_pool(8192, 1);
    auto logger = spdlog::basic_logger_mt<spdlog::async_factory>("bench", path, true);
    logger->set_level(workload == "W4" ? spdlog::level::debug : spdlog::level::info);
    return logger;
}

struct Result {
    double wall_s = 0, throughput = 0, ns_per_call = 0;
    double p50 = -1, p99 = -1, p999 = -1, max = -1, clock_pair = -1;
    long lines = 0;
};

// Runs body(thread) on threads threads released together.
template <typename Body> void on_threads(int threads, Body body)
{
    pthread_barrier_t start;
    pthread_barrier_init(&start, nullptr, unsigned(threads));
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; t++)
        workers.emplace_back([&, t] {
            pthread_barrier_wait(&start);
            body(t);
        });
    for (auto &w : workers)
        w.join();
    pthread_barrier_destroy(&start);
}

Result run(const std::string &workload, long records, const std::string &path)
{
    int threads = workload == "W2" ? 4 : 1;
    long per_thread = records / threads;
    Result result;

    std::remove(path.c_str());
    auto logger = open_logger(path, workload);
    std::vector<uint64_t> call_time(size_t(threads), 0);
    uint64_t begin = now_ns();
    on_threads(threads, [&](int t) {
        uint64_t start = now_ns();
        for (long i = t * per_thread; i < (t + 1) * per_thread; i++)
            call(*logger, workload, i);
        call_time[size_t(t)] = now_ns() - start;
    });
    logger.reset();
    spdlog::shutdown(); // drains the queue and joins the worker
    result.wall_s = double(now_ns() - begin) / 1e9;
    result.throughput = double(per_thread * threads) / result.wall_s;
    uint64_t total = 0;
    for (auto t : call_time)
        total += t;
    result.ns_per_call = double(total) / double(per_thread * threads);
    result.lines = count_lines(path);

    if (workload == "W1" || workload == "W2") {
        std::remove(path.c_str());
        logger = open_logger(path, workload);
        std::vector<std::vector<uint64_t>> samples(size_t(threads), std::vector<uint64_t>(size_t(per_thread), 1));
        result.clock_pair = clock_pair_overhead();
        on_threads(threads, [&](int t) {
            auto &mine = samples[size_t(t)];
            for (long k = 0; k < per_thread; k++) {
                uint64_t a = now_ns();
                call(*logger, workload, t * per_thread + k);
                mine[size_t(k)] = now_ns() - a;
            }
        });
        logger.reset();
        spdlog::shutdown();
        std::vector<uint64_t> all;
        for (auto &s : samples)
            all.insert(all.end(), s.begin(), s.end());
        std::sort(all.begin(), all.end());
        auto at = [&](double q) { return double(all[std::min(all.size() - 1, size_t(double(all.size()) * q))]); };
        result.p50 = at(0.5);
        result.p99 = at(0.99);
        result.p999 = at(0.999);
        result.max = double(all.back());
    }
    std::remove(path.c_str());
    return result;
}

void print_json(const std::string &workload, long records, int threads, const Result &r)
{
    auto number = [](double v) { return v < 0 ? std::string("null") : std::to_string(v); };
    std::printf("{\"clock_pair_overhead_ns\":%s,\"dropped\":0,\"lat_max_ns\":%s,\"lat_p50_ns\":%s,\"lat_p999_ns\":%s,"
                "\"lat_p99_ns\":%s,\"lines_in_file\":%ld,\"ns_per_call\":%f,\"peer\":\"spdlog-async\","
                "\"records_sent\":%ld,\"threads\":%d,\"throughput_rps\":%f,\"wall_s\":%f,\"workload\":\"%s\"}\n",
                number(r.clock_pair).c_str(), number(r.max).c_str(), number(r.p50).c_str(), number(r.p999).c_str(),
                number(r.p99).c_str(), r.lines, r.ns_per_call, records, threads, r.throughput, r.wall_s,
                workload.c_str());
    std::fflush(stdout);
}

} // namespace

int main(int argc, char **argv)
{
    int reps = 3;
    long records = 2000000, calls = 10000000;
    std::vector<std::string> workloads;
    std::string directory = "/tmp";
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string option = argv[i], value = argv[i + 1];
        if (option == "--reps")
            reps = std::stoi(value);
        else if (option == "--records")
            records = std::stol(value);
        else if (option == "--calls")
            calls = std::stol(value);
        else if (option == "--workload")
            workloads.push_back(value);
        else if (option == "--directory")
            directory = value;
        else {
            std::fprintf(stderr, "spdlog_bench: unknown option %s\n", option.c_str());
            return 2;
        }
    }
    if (workloads.empty())
        workloads = {"W1", "W2", "W3", "W4"};
    for (const auto &workload : workloads) {
        if (workload != "W1" && workload != "W2" && workload != "W3" && workload != "W4") {
            std::fprintf(stderr, "spdlog_bench: unknown workload %s; the workloads are W1, W2, W3, W4\n", workload.c_str());
            return 2;
        }
        long count = workload == "W3" || workload == "W4" ? calls : records;
        int threads = workload == "W2" ? 4 : 1;
        for (int rep = 0; rep < reps; rep++) {
            std::string path = directory + "/spdlog-bench-" + std::to_string(getpid()) + "-" + workload + ".log";
            Result r = run(workload, count, path);
            print_json(workload, count / threads * threads, threads, r);
        }
    }
    return 0;
}
