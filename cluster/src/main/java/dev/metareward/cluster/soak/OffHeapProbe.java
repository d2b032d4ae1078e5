package dev.metareward.cluster.soak;

import dev.metareward.metrics.MeterCatalogue;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.OptionalDouble;

/**
 * ND4J's off-heap memory of one node, read from its Prometheus endpoint: the gauge of JavaCPP's
 * {@code Pointer.totalBytes()} (the bytes ND4J allocated off the heap) named {@link #OFF_HEAP_SERIES}. A soak of nodes without a metrics endpoint
 * reports "n/a" for it (RSS covers that memory too, without the split).
 */
public final class OffHeapProbe {

    /**
     * The one series name the soak reads: the metrics catalogue's gauge of JavaCPP's total bytes.
     */
    public static final String OFF_HEAP_SERIES = MeterCatalogue.JAVACPP_TOTAL_BYTES.prometheusName();

    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

    /** The gauge's value at {@code endpoint} (a /metrics URL); empty when unreachable or the series is missing. */
    public OptionalDouble offHeapBytes(URI endpoint) {
        try {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(endpoint).timeout(TIMEOUT).GET()
                    .build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? valueOf(response.body(), OFF_HEAP_SERIES)
                    : OptionalDouble.empty();
        } catch (IOException e) {
            return OptionalDouble.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalDouble.empty();
        }
    }

    /**
     * The sum over label sets of {@code series} in a Prometheus text exposition (one process exports one value; a
     * sum keeps a labelled variant meaningful too); empty when absent.
     */
    static OptionalDouble valueOf(String exposition, String series) {
        double sum = 0;
        boolean found = false;
        for (String line : exposition.split("\n")) {
            if (line.startsWith("#") || !line.startsWith(series)) {
                continue;
            }
            String rest = line.substring(series.length());
            if (!rest.startsWith(" ") && !rest.startsWith("{")) {
                continue; // another series with this prefix
            }
            if (rest.startsWith("{")) {
                rest = rest.substring(rest.indexOf('}') + 1);
            }
            String[] fields = rest.trim().split("\\s+");
            try {
                sum += Double.parseDouble(fields[0]);
                found = true;
            } catch (NumberFormatException ignored) {
                // not a sample line
            }
        }
        return found ? OptionalDouble.of(sum) : OptionalDouble.empty();
    }
}
