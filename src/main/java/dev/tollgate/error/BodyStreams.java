package dev.tollgate.error;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;

/**
 * Wrappers that remember the failures of this request's own body streams, so that the error
 * filter knows a failure came from reading the request body (the client's fault) or from writing
 * the response (the client went away) without guessing from exception messages. The streams are
 * wrapped when the application first asks for them, so a request that never reads or writes a
 * body pays for the two wrappers only.
 */
final class BodyStreams {

    private BodyStreams() {
    }

    /** The request, whose input stream and reader record the {@code IOException}s they throw. */
    static final class Request extends HttpServletRequestWrapper {

        private Input input;
        private TrackingReader reader;
        private IOException readFailure;

        Request(HttpServletRequest request) {
            super(request);
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (input == null) {
                input = new Input(super.getInputStream(), this);
            }
            return input;
        }

        @Override
        public BufferedReader getReader() throws IOException {
            if (reader == null) {
                reader = new TrackingReader(super.getReader(), this);
            }
            return reader;
        }

        /** Whether {@code thrown} is a failure that reading the request body raised. */
        boolean isReadFailure(Throwable thrown) {
            return thrown != null && thrown == readFailure;
        }

        /** Whether {@code source} (say a JSON parser's input) is this request's body stream or reader. */
        boolean isBody(Object source) {
            return source != null && (source == input || source == reader);
        }

        IOException recordRead(IOException failure) {
            readFailure = failure;
            return failure;
        }
    }

    /**
     * The response, whose output stream and {@code flushBuffer} record the {@code IOException}s they
     * throw. The error filter's {@link ErrorCapturingResponse} is one, so a request pays for one
     * response wrapper, not two.
     */
    static class Response extends HttpServletResponseWrapper {

        private Output output;
        private IOException writeFailure;

        Response(HttpServletResponse response) {
            super(response);
        }

        @Override
        public ServletOutputStream getOutputStream() throws IOException {
            if (output == null) {
                output = new Output(super.getOutputStream(), this);
            }
            return output;
        }

        @Override
        public void flushBuffer() throws IOException {
            try {
                super.flushBuffer();
            } catch (IOException e) {
                throw recordWrite(e);
            }
        }

        /** Whether {@code thrown} is a failure that writing this response raised. */
        boolean isWriteFailure(Throwable thrown) {
            return thrown != null && thrown == writeFailure;
        }

        IOException recordWrite(IOException failure) {
            writeFailure = failure;
            return failure;
        }
    }

    private static final class Input extends ServletInputStream {
        private final ServletInputStream in;
        private final Request owner;

        Input(ServletInputStream in, Request owner) {
            this.in = in;
            this.owner = owner;
        }

        @Override
        public int read() throws IOException {
            try {
                return in.read();
            } catch (IOException e) {
                throw owner.recordRead(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return in.read(b, off, len);
            } catch (IOException e) {
                throw owner.recordRead(e);
            }
        }

        @Override
        public int readLine(byte[] b, int off, int len) throws IOException {
            try {
                return in.readLine(b, off, len);
            } catch (IOException e) {
                throw owner.recordRead(e);
            }
        }

        @Override
        public long skip(long n) throws IOException {
            try {
                return in.skip(n);
            } catch (IOException e) {
                throw owner.recordRead(e);
            }
        }

        @Override
        public int available() throws IOException {
            try {
                return in.available();
            } catch (IOException e) {
                throw owner.recordRead(e);
            }
        }

        @Override
        public void close() throws IOException {
            in.close();
        }

        @Override
        public boolean isFinished() {
            return in.isFinished();
        }

        @Override
        public boolean isReady() {
            return in.isReady();
        }

        @Override
        public void setReadListener(ReadListener listener) {
            in.setReadListener(listener);
        }
    }

    private static final class TrackingReader extends BufferedReader {
        private final BufferedReader in;
        private final Request owner;

        TrackingReader(BufferedReader in, Request owner) {
            super(Reader.nullReader(), 1);
            this.in = in;
            this.owner = owner;
        }

        @Override
        public int read() throws IOException {
            try {
                return in.read();
            } catch (IOException e) {
                throw owner.recordRead(e);
            }
        }

        @Override
        public int read(char[] cbuf, int off, int len) throws IOException {
            try {
                return in.read(cbuf, off, len);
            } catch (IOException e) {
                throw owner.recordRead(e);
            }
        }

        @Override
        public String readLine() throws IOException {
            try {
                return in.readLine();
            } catch (IOException e) {
                throw owner.recordRead(e);
            }
        }

        @Override
        public long skip(long n) throws IOException {
            try {
                return in.skip(n);
            } catch (IOException e) {
                throw owner.recordRead(e);
            }
        }

        @Override
        public boolean ready() throws IOException {
            try {
                return in.ready();
            } catch (IOException e) {
                throw owner.recordRead(e);
            }
        }

        @Override
        public boolean markSupported() {
            return in.markSupported();
        }

        @Override
        public void mark(int readAheadLimit) throws IOException {
            in.mark(readAheadLimit);
        }

        @Override
        public void reset() throws IOException {
            in.reset();
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    private static final class Output extends ServletOutputStream {
        private final ServletOutputStream out;
        private final Response owner;

        Output(ServletOutputStream out, Response owner) {
            this.out = out;
            this.owner = owner;
        }

        @Override
        public void write(int b) throws IOException {
            try {
                out.write(b);
            } catch (IOException e) {
                throw owner.recordWrite(e);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                out.write(b, off, len);
            } catch (IOException e) {
                throw owner.recordWrite(e);
            }
        }

        @Override
        public void flush() throws IOException {
            try {
                out.flush();
            } catch (IOException e) {
                throw owner.recordWrite(e);
            }
        }

        @Override
        public void close() throws IOException {
            try {
                out.close();
            } catch (IOException e) {
                throw owner.recordWrite(e);
            }
        }

        @Override
        public boolean isReady() {
            return out.isReady();
        }

        @Override
        public void setWriteListener(WriteListener listener) {
            out.setWriteListener(listener);
        }
    }
}
