package dev.tollgate.error;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.testing.Fakes;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.net.SocketException;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BodyStreamsTest {

    /** What the container's streams throw in these tests. */
    private final IOException broken = new IOException("Unexpected EOF read on the socket");

    /** A request whose body streams fail with {@link #broken}. */
    private BodyStreams.Request request() {
        return new BodyStreams.Request(new HttpServletRequestWrapper(Fakes.request("POST", "/upload", Map.of())) {
            @Override
            public ServletInputStream getInputStream() {
                return new FailingInput();
            }

            @Override
            public BufferedReader getReader() {
                return new BufferedReader(new Reader() {
                    @Override
                    public int read(char[] buffer, int off, int len) throws IOException {
                        throw broken;
                    }

                    @Override
                    public void close() {
                        // Nothing to release.
                    }
                });
            }
        });
    }

    @Test
    void shouldRecordWhatReadingTheBodyThrows() throws IOException {
        BodyStreams.Request stream = request();
        assertSame(broken, assertThrows(IOException.class, () -> stream.getInputStream().readAllBytes()));
        assertTrue(stream.isReadFailure(broken));
        assertFalse(stream.isReadFailure(new IOException("Unexpected EOF read on the socket")), "by identity, not by message");

        BodyStreams.Request reader = request();
        assertFalse(reader.isReadFailure(broken), "nothing read yet");
        assertSame(broken, assertThrows(IOException.class, () -> reader.getReader().readLine()));
        assertTrue(reader.isReadFailure(broken));
    }

    @Test
    void shouldWrapTheBodyOnceAndKnowItAsTheRequestBody() throws IOException {
        BodyStreams.Request request = request();
        ServletInputStream body = request.getInputStream();
        assertSame(body, request.getInputStream());
        assertTrue(request.isBody(body));
        assertFalse(request.isBody(new FailingInput()));
        assertFalse(request.isBody("{\"a\": 1}"));
        assertFalse(request.isBody(null));
        BodyStreams.Request other = request();
        assertTrue(other.isBody(other.getReader()));
    }

    @Test
    void shouldRecordWhatWritingTheResponseThrows() throws IOException {
        SocketException reset = new SocketException("Connection reset");
        BodyStreams.Response response = new BodyStreams.Response(
                new HttpServletResponseWrapper(Fakes.response(new HashMap<>())) {
                    @Override
                    public ServletOutputStream getOutputStream() {
                        return new FailingOutput(reset);
                    }

                    @Override
                    public void flushBuffer() throws IOException {
                        throw reset;
                    }
                });
        assertFalse(response.isWriteFailure(reset));
        ServletOutputStream out = response.getOutputStream();
        assertSame(out, response.getOutputStream());
        assertSame(reset, assertThrows(IOException.class, () -> out.write(new byte[10])));
        assertTrue(response.isWriteFailure(reset));

        SocketException again = new SocketException("Connection reset");
        BodyStreams.Response flushed = new BodyStreams.Response(
                new HttpServletResponseWrapper(Fakes.response(new HashMap<>())) {
                    @Override
                    public void flushBuffer() throws IOException {
                        throw again;
                    }
                });
        assertSame(again, assertThrows(IOException.class, flushed::flushBuffer));
        assertTrue(flushed.isWriteFailure(again));
        assertFalse(flushed.isWriteFailure(reset));
    }

    private final class FailingInput extends ServletInputStream {
        @Override
        public int read() throws IOException {
            throw broken;
        }

        @Override
        public boolean isFinished() {
            return false;
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setReadListener(ReadListener listener) {
            throw new UnsupportedOperationException();
        }
    }

    private static final class FailingOutput extends ServletOutputStream {
        private final IOException failure;

        FailingOutput(IOException failure) {
            this.failure = failure;
        }

        @Override
        public void write(int b) throws IOException {
            throw failure;
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setWriteListener(WriteListener listener) {
            throw new UnsupportedOperationException();
        }
    }
}
