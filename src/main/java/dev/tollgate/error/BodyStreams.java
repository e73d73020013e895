package dev.tollgate.error;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;

/**
 * A wrapper that remembers the failures of this response's own output stream, so that the error
 * filter knows a failure came from writing the response (the client went away) without guessing
 * from exception messages. The stream is wrapped when the application first asks for it, so a
 * request that never writes a body pays for the wrapper only.
 */
final class BodyStreams {

    private BodyStreams() {
    }

    /** The response, whose output stream and {@code flushBuffer} record the {@code IOException}s they throw. */
    static final class Response extends HttpServletResponseWrapper {

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
