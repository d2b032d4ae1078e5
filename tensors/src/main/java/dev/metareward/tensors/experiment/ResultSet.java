package dev.metareward.tensors.experiment;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything an experiment measured: one {@link Outcome} per (method, held-out domain, seed), plus provenance
 * (settings fingerprint, timing). The report is generated from a result set alone.
 *
 * @param provenance where the numbers come from (config fingerprint, data fingerprint, wall time, machine)
 * @param outcomes every measurement, in the order they were made
 */
public record ResultSet(Map<String, Object> provenance, List<Outcome> outcomes) {

    public ResultSet {
        provenance = Collections.unmodifiableMap(new LinkedHashMap<>(provenance));
        outcomes = List.copyOf(outcomes);
    }

    static ObjectMapper mapper() {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    }

    public void writeJson(Path file) {
        try {
            mapper().writeValue(file.toFile(), this);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + file + ": " + e.getMessage(), e);
        }
    }

    public static ResultSet readJson(Path file) {
        try {
            return mapper().readValue(file.toFile(), ResultSet.class);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + file + ": " + e.getMessage(), e);
        }
    }
}
