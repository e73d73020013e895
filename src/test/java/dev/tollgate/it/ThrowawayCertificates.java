package dev.tollgate.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A CA and a server certificate for {@code 127.0.0.1} signed by it, made for one test with
 * {@code openssl} in a temporary directory (EC P-256 keys, valid for a day). The CA is in no trust
 * store, so only a client told to trust {@link #ca()} accepts the server.
 */
record ThrowawayCertificates(Path ca, Path cert, Path key) {

    static ThrowawayCertificates make() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("tollgate-tls");
        Files.writeString(dir.resolve("san.ext"), "subjectAltName=IP:127.0.0.1\n");
        openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", "ca.key", "-out", "ca.pem", "-days", "1", "-subj", "/CN=Tollgate test CA");
        openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1");
        openssl(dir, "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "server.pem", "-days", "1", "-extfile", "san.ext");
        return new ThrowawayCertificates(dir.resolve("ca.pem"), dir.resolve("server.pem"), dir.resolve("server.key"));
    }

    private static void openssl(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process process;
        try {
            process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IllegalStateException("openssl is needed to make the test's throwaway certificate, and it cannot be run ("
                    + e.getMessage() + "); install OpenSSL", e);
        }
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("openssl " + args[0] + " did not finish within 30 s");
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new IllegalStateException("openssl " + String.join(" ", args) + " failed: " + output);
        }
    }
}
