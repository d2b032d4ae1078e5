package dev.metareward.cluster.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metareward.cluster.security.InsecureBind.Verdict;
import java.util.List;
import org.junit.jupiter.api.Test;

class ArteryInsecureBindTest {

    @Test
    void shouldAllowAnyAddressWithTls() {
        assertEquals(Verdict.TLS, InsecureBind.check("10.0.0.5", true, false));
        assertEquals(Verdict.TLS, InsecureBind.check("127.0.0.1", true, false));
    }

    @Test
    void shouldAllowLoopbackWithoutTls() {
        assertEquals(Verdict.LOOPBACK, InsecureBind.check("127.0.0.1", false, false));
    }

    @Test
    void shouldRefuseNetworkAddressWithoutTlsUnlessInsecureIsAllowed() {
        assertEquals(Verdict.REFUSED, InsecureBind.check("10.0.0.5", false, false));
        assertEquals(Verdict.INSECURE_ALLOWED, InsecureBind.check("10.0.0.5", false, true));
    }

    @Test
    void shouldRecogniseLoopbackSpellings() {
        for (String host : List.of("localhost", "LocalHost", "127.0.0.1", "127.1.2.3", "::1", "[::1]",
                "0:0:0:0:0:0:0:1")) {
            assertTrue(InsecureBind.isLoopback(host), host);
        }
    }

    @Test
    void shouldTreatWildcardNamesAndOtherAddressesAsNetwork() {
        // Names are not resolved (the rule stays pure and fails closed), so even a name of this machine counts.
        for (String host : List.of("0.0.0.0", "10.0.0.5", "192.168.1.2", "::", "fe80::1", "::ffff:127.0.0.1",
                "127.0.0.1.example.com", "256.0.0.1", "coord", "my-laptop.local")) {
            assertFalse(InsecureBind.isLoopback(host), host);
        }
    }

    @Test
    void shouldNameTheSettingAndTheWaysOutWhenRefusing() {
        String message = InsecureBind.refusal(2, "gpu-1", "10.0.0.11");
        assertTrue(message.contains("'metareward.cluster.nodes[2].host'"), message);
        assertTrue(message.contains("10.0.0.11"), message);
        assertTrue(message.contains("cluster.tls.enabled = true"), message);
        assertTrue(message.contains("cluster.allow-insecure = true"), message);
    }

    @Test
    void shouldWarnOnSeveralLinesThatAnyoneCanJoinAndInjectGradients() {
        String warning = String.join("\n", InsecureBind.warning("gpu-1", "10.0.0.11", 25520));
        assertTrue(InsecureBind.warning("gpu-1", "10.0.0.11", 25520).size() >= 3);
        assertTrue(warning.contains("10.0.0.11:25520"), warning);
        assertTrue(warning.contains("can join"), warning);
        assertTrue(warning.contains("inject gradients"), warning);
    }
}
