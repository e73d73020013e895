package dev.tollgate.ratelimit.redis;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * The CA certificates of a PEM file (one or several {@code -----BEGIN CERTIFICATE-----} blocks),
 * read once at startup. Plain JDK, so reading them loads nothing of the optional Redis client.
 */
final class CaCertificates {

    static final String RULE = "must be a readable PEM file of CA certificates";

    private CaCertificates() {
    }

    /** The certificates in the file at {@code path}; the message of a failure states the rule. */
    static List<X509Certificate> read(String path) {
        List<X509Certificate> certificates = new ArrayList<>();
        try (InputStream in = Files.newInputStream(Path.of(path))) {
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                if (certificate instanceof X509Certificate x509) {
                    certificates.add(x509);
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(RULE + " (cannot read it)", null);
        } catch (CertificateException e) {
            throw new IllegalArgumentException(RULE + " (no certificate in it)", null);
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException(RULE + " (no certificate in it)");
        }
        return List.copyOf(certificates);
    }
}
