package dev.tollgate.error;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Writer;

/**
 * Records {@code sendError} instead of passing it on: Tomcat drops every write after a real
 * {@code sendError}, so the filter renders the JSON body itself once the chain returns. After a
 * recorded {@code sendError} the response counts as committed and later writes are discarded, as
 * the servlet spec says they are.
 */
final class ErrorCapturingResponse extends HttpServletResponseWrapper {

    private int errorStatus;
    private String errorMessage;

    ErrorCapturingResponse(HttpServletResponse response) {
        super(response);
    }

    @Override
    public void sendError(int sc, String msg) throws IOException {
        if (super.isCommitted()) {
            super.sendError(sc, msg);
            return;
        }
        errorStatus = sc;
        errorMessage = msg;
    }

    @Override
    public void sendError(int sc) throws IOException {
        sendError(sc, null);
    }

    @Override
    public boolean isCommitted() {
        return errorStatus != 0 || super.isCommitted();
    }

    @Override
    public ServletOutputStream getOutputStream() throws IOException {
        return errorStatus != 0 ? DiscardingStream.INSTANCE : super.getOutputStream();
    }

    @Override
    public PrintWriter getWriter() throws IOException {
        return errorStatus != 0 ? new PrintWriter(Writer.nullWriter()) : super.getWriter();
    }

    @Override
    public void flushBuffer() throws IOException {
        if (errorStatus == 0) {
            super.flushBuffer();
        }
    }

    boolean hasError() {
        return errorStatus != 0;
    }

    int errorStatus() {
        return errorStatus;
    }

    String errorMessage() {
        return errorMessage;
    }

    private static final class DiscardingStream extends ServletOutputStream {
        static final DiscardingStream INSTANCE = new DiscardingStream();
        private static final OutputStream NULL = OutputStream.nullOutputStream();

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setWriteListener(WriteListener listener) {
            throw new IllegalStateException("The response was ended by sendError");
        }

        @Override
        public void write(int b) throws IOException {
            NULL.write(b);
        }
    }
}
