package dev.metareward.tensors.pipeline;

import dev.metareward.tensors.data.MultiDomainData;
import dev.metareward.tensors.data.PreferencePair;
import dev.metareward.tensors.data.SftSample;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 fingerprints of settings and data, for provenance and for reusing work whose inputs did not change. */
public final class Fingerprints {
    private Fingerprints() {
    }

    public static String of(String... parts) {
        MessageDigest digest = sha256();
        update(digest, parts);
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Fingerprint of every sample of every domain, in split order (so a changed split changes it too). */
    public static String ofData(MultiDomainData data) {
        MessageDigest digest = sha256();
        for (String domain : data.domains()) {
            var d = data.domain(domain);
            update(digest, "domain", domain);
            for (var list : java.util.List.of(d.sftTrain(), d.sftEval())) {
                for (SftSample s : list) {
                    update(digest, s.prompt(), s.response());
                }
                update(digest, "|");
            }
            for (var list : java.util.List.of(d.prefTrain(), d.prefEval())) {
                for (PreferencePair p : list) {
                    update(digest, p.prompt(), p.chosen(), p.rejected());
                }
                update(digest, "|");
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static void update(MessageDigest digest, String... parts) {
        for (String part : parts) {
            digest.update(part.getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM lacks SHA-256", e);
        }
    }
}
