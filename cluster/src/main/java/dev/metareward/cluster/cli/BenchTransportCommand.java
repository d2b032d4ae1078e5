package dev.metareward.cluster.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.metareward.cluster.aeron.TransportBenchmark;
import dev.metareward.tensors.bench.BenchWorkload;
import dev.metareward.tensors.bench.HostCpu;
import dev.metareward.tensors.model.transformer.TransformerModel;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code metareward bench transport}: contributions/s and MB/s of the Aeron data plane over UDP loopback for the tiny
 * phi, the small phi and 4 MiB frames, next to raw Aeron measured in the same run; a table, then one JSON line.
 */
@Command(name = "transport", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Measure the Aeron data plane over UDP loopback: two nodes in this JVM with their own embedded media "
                    + "drivers, a worker publishing contributions as fast as the coordinator takes them (MAC'd, "
                    + "checksummed, copied into a new INDArray), for the reward model's phi of the tiny and small "
                    + "bench workloads and for 4 MiB frames; next to raw Aeron (a plain publication and subscription "
                    + "moving the same bytes in messages of the same size between the same drivers).",
            "The last line of the output is one JSON object with each case's frames/s, MB/s, the raw figures and "
                    + "ours/raw (target >= 0.8)."})
final class BenchTransportCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(BenchTransportCommand.class);
    /** The goal: our framing moves at least this share of raw Aeron's bytes per second. */
    static final double TARGET_RATIO = 0.8;

    @Option(names = "--seconds", paramLabel = "S", defaultValue = "1.0",
            description = "Length of each timed run (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--repeats", paramLabel = "N", defaultValue = "3",
            description = "Timed runs per case and side, alternating ours and raw; medians are shown "
                    + "(default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--term-length", paramLabel = "BYTES", defaultValue = "16777216",
            description = "Term length of the publications, a power of two (default: ${DEFAULT-VALUE}, as "
                    + "cluster.aeron.term-length).")
    int termLength;

    @Option(names = "--mtu", paramLabel = "BYTES", defaultValue = "8192",
            description = "UDP datagram size (default: ${DEFAULT-VALUE}, as cluster.aeron.mtu).")
    int mtu;

    @Option(names = "--port", paramLabel = "P", defaultValue = "40500",
            description = "First of five UDP ports on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--cases", paramLabel = "NAMES", split = ",", defaultValue = "tiny,small,4mib",
            description = "Which of tiny, small, 4mib (default: ${DEFAULT-VALUE}).")
    List<String> cases;

    @Spec
    CommandSpec spec;

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public Integer call() {
        if (!(seconds > 0) || seconds > 600) {
            throw new UserInputException("--seconds must be in (0, 600] but was " + seconds);
        }
        if (repeats < 1) {
            throw new UserInputException("--repeats must be at least 1 but was " + repeats);
        }
        if (Integer.bitCount(termLength) != 1 || termLength < 65536) {
            throw new UserInputException("--term-length must be a power of two of at least 65536 but was "
                    + termLength);
        }
        if (mtu < 1408 || mtu % 32 != 0) {
            throw new UserInputException("--mtu must be a multiple of 32 of at least 1408 but was " + mtu);
        }
        if (port < 1 || port > 65530) {
            throw new UserInputException("--port must be in 1..65530 but was " + port);
        }
        List<TransportBenchmark.Case> selected = new ArrayList<>();
        for (String name : cases) {
            selected.add(switch (name) {
                case "tiny", "small" -> new TransportBenchmark.Case(name + " phi", phiLength(name));
                case "4mib" -> new TransportBenchmark.Case("4 MiB", TransportBenchmark.FOUR_MIB_ELEMENTS);
                default -> throw new UserInputException("--cases: unknown case '" + name + "'; expected tiny, "
                        + "small or 4mib");
            });
        }
        TransportBenchmark.Options options = new TransportBenchmark.Options(seconds, repeats, termLength, mtu, port);
        // First, so that the JIT has compiled the MAC (SIMD NH) before the timed runs: they measure the steady state.
        TransportBenchmark.PerByteCosts costs = TransportBenchmark.perByteCosts(1 << 20, Math.min(0.5, seconds));
        List<TransportBenchmark.Result> results = TransportBenchmark.run(selected, options, LOG::info);
        PrintWriter out = spec.commandLine().getOut();
        out.print(table(results, costs));
        out.println(json(results, costs));
        out.flush();
        return 0;
    }

    /** Elements of the reward model's phi (LoRA on q and v of every layer + value head) in a bench workload. */
    static long phiLength(String workload) {
        BenchWorkload w = BenchWorkload.named(workload);
        return TransformerModel.create(w.shape(), DataType.FLOAT, w.initStd(), 1).reward().parameterCount();
    }

    private String table(List<TransportBenchmark.Result> results, TransportBenchmark.PerByteCosts costs) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%nbench transport: Aeron UDP loopback, two embedded media drivers in one JVM, "
                        + "term-length %d, mtu %d, %d processors, %s; medians of %d x %.1f s%n", termLength, mtu,
                Runtime.getRuntime().availableProcessors(), LocalDate.now(), repeats, seconds));
        sb.append(String.format("%-10s %10s %6s %12s %10s %12s %10s %9s %11s %11s%n", "frame", "bytes", "frags",
                "frames/s", "MB/s", "raw frames/s", "raw MB/s", "ours/raw", "CPU us/fr", "raw CPU us"));
        for (TransportBenchmark.Result r : results) {
            sb.append(String.format("%-10s %10d %6d %12.0f %10.1f %12.0f %10.1f %8.2fx %11.0f %11.0f%n", r.c().name(),
                    r.c().bytes(), r.fragmentsPerFrame(), r.ours().framesPerSecond(), r.ours().megabytesPerSecond(),
                    r.raw().framesPerSecond(), r.raw().megabytesPerSecond(), r.ratio(), r.ours().cpuMicrosPerFrame(),
                    r.raw().cpuMicrosPerFrame()));
        }
        sb.append(String.format("ours: MAC + CRC32C checked, one copy into a new INDArray per frame; raw: no "
                + "framing, no copy out of the term. Target: ours/raw >= %.1f%n", TARGET_RATIO));
        sb.append(String.format("per-byte work of our framing on one thread here: MAC %s %.0f MB/s (sender and "
                + "receiver each), CRC32C %.0f MB/s (receiver); HMAC-SHA256 over the whole body (format 1) would "
                + "be %.0f MB/s%n", costs.macName(), costs.macMegabytesPerSecond(), costs.crcMegabytesPerSecond(),
                costs.hmacMegabytesPerSecond()));
        return sb.toString();
    }

    private String json(List<TransportBenchmark.Result> results, TransportBenchmark.PerByteCosts costs) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bench", "transport");
        m.put("cpu", HostCpu.current().label());
        m.put("channel", "udp-loopback");
        m.put("term_length", termLength);
        m.put("mtu", mtu);
        m.put("seconds", seconds);
        m.put("repeats", repeats);
        List<Map<String, Object>> rows = new ArrayList<>();
        double minRatio = Double.POSITIVE_INFINITY;
        for (TransportBenchmark.Result r : results) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("case", r.c().name());
            row.put("elements", r.c().elements());
            row.put("bytes", r.c().bytes());
            row.put("fragments", r.fragmentsPerFrame());
            row.put("frames_per_s", r.ours().framesPerSecond());
            row.put("mb_per_s", r.ours().megabytesPerSecond());
            row.put("raw_frames_per_s", r.raw().framesPerSecond());
            row.put("raw_mb_per_s", r.raw().megabytesPerSecond());
            row.put("ratio", r.ratio());
            row.put("cpu_us_per_frame", r.ours().cpuMicrosPerFrame());
            row.put("raw_cpu_us_per_frame", r.raw().cpuMicrosPerFrame());
            rows.add(row);
            minRatio = Math.min(minRatio, r.ratio());
        }
        m.put("cases", rows);
        m.put("min_ratio", rows.isEmpty() ? null : minRatio);
        m.put("target_ratio", TARGET_RATIO);
        m.put("mac", costs.macName());
        m.put("mac_mb_per_s", costs.macMegabytesPerSecond());
        m.put("hmac_sha256_mb_per_s", costs.hmacMegabytesPerSecond());
        m.put("crc32c_mb_per_s", costs.crcMegabytesPerSecond());
        m.put("processors", Runtime.getRuntime().availableProcessors());
        try {
            return JSON.writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("could not write the bench result as JSON", e);
        }
    }
}
