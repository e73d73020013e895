package dev.tollgate.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

/** A copy of {@code src/test/webapps/<name>} with {@code @PLACEHOLDER@}s in its files filled in. */
final class WebappTemplate {

    private WebappTemplate() {
    }

    static Path fill(String name, Map<String, String> values) throws IOException {
        Path source = EmbeddedContainer.webapp(name);
        Path copy = Files.createTempDirectory("tollgate-" + name);
        try (Stream<Path> files = Files.walk(source)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path target = copy.resolve(source.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    String text = Files.readString(file);
                    for (Map.Entry<String, String> value : values.entrySet()) {
                        text = text.replace("@" + value.getKey() + "@", value.getValue());
                    }
                    Files.writeString(target, text);
                }
            }
        }
        return copy;
    }
}
