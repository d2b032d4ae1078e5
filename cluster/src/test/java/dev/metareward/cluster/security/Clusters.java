package dev.metareward.cluster.security;

import dev.metareward.config.AeronSettings;
import dev.metareward.config.ClusterSettings;
import dev.metareward.config.NodeSettings;
import dev.metareward.config.TlsSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.Optional;

/** Cluster settings for security tests, built directly so each test shows only what it varies. */
final class Clusters {

    private Clusters() {
    }

    static NodeSettings node(String name, String host, int port) {
        return new NodeSettings(name, host, port, 40123, List.of(NodeSettings.COORDINATOR, NodeSettings.WORKER),
                List.of(), List.of(), OptionalInt.empty());
    }

    static ClusterSettings cluster(boolean allowInsecure, TlsSettings tls, NodeSettings... nodes) {
        return new ClusterSettings(true, List.of(nodes), List.of(nodes[0].name()), allowInsecure, Optional.empty(),
                "METAREWARD_RUN_SECRET", tls, new AeronSettings(Optional.empty(), false, 16 << 20, 8192));
    }

    static TlsSettings noTls() {
        return new TlsSettings(false, Optional.empty(), Optional.empty(), Optional.empty(), "METAREWARD_TLS_PASSWORD");
    }

    /** TLS from the three files of one gen-certs folder. */
    static TlsSettings tls(Path dir) {
        return tls(dir.resolve(RunCertificates.KEY_STORE), dir.resolve(RunCertificates.TRUST_STORE),
                dir.resolve(RunCertificates.PASSWORD));
    }

    static TlsSettings tls(Path keyStore, Path trustStore, Path passwordFile) {
        return new TlsSettings(true, Optional.of(keyStore), Optional.of(trustStore), Optional.of(passwordFile),
                "METAREWARD_TLS_PASSWORD");
    }
}
