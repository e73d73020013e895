package dev.tollgate.error;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Writer;

/**
 * Records {@code sendError} instead of passing it on: Tomcat drops every write after a real
 * {@code sendError}, so the filter renders the JSON body itself once the chain returns. After a
 * recorded {@code sendError} the response counts as committed and later writes are discarded, as
 * the servlet spec says they are, and {@link #getStatus()} reports the recorded status.
 *
 * <p>Once the filter's dispatch has returned with the request in async mode, nobody is left to
 * render a recorded error: a {@code sendError} from the application's own thread is then handed to
 * the {@link Sink} at once, in that thread, before the application completes the async context.
 * Until an error is recorded, the output stream and {@code flushBuffer} are those of
 * {@link BodyStreams.Response}, which remember their own write failures.
 */
final class ErrorCapturingResponse extends BodyStreams.Response {

    /** Renders a {@code sendError} that comes after the dispatch returned. */
    interface Sink {
        void render(int status, String message) throws IOException;
    }

    private volatile int errorStatus;
    private volatile String errorMessage;
    private volatile Thread errorThread;
    private Sink lateErrors;

    ErrorCapturingResponse(HttpServletResponse response) {
        super(response);
    }

    @Override
    public synchronized void sendError(int sc, String msg) throws IOException {
        if (super.isCommitted()) {
            super.sendError(sc, msg);
            return;
        }
        errorStatus = sc;
        errorMessage = msg;
        errorThread = Thread.currentThread();
        if (lateErrors != null) {
            lateErrors.render(sc, msg);
        }
    }

    @Override
    public void sendError(int sc) throws IOException {
        sendError(sc, null);
    }

    /**
     * The status of the recorded {@code sendError}, as a container reports it after its own: a
     * filter between this one and the application (a limiter counting failures) reads the status
     * the client will get, not the 200 that the response still holds.
     */
    @Override
    public int getStatus() {
        int recorded = errorStatus;
        return recorded != 0 ? recorded : super.getStatus();
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

    /**
     * Hands every later {@code sendError} to {@code sink}; returns {@code false}, changing nothing,
     * when an error is already recorded (the caller renders it).
     */
    synchronized boolean renderLaterErrors(Sink sink) {
        if (errorStatus != 0) {
            return false;
        }
        lateErrors = sink;
        return true;
    }

    /** Stops handing errors to the sink: the async cycle is over and the response is not ours to write. */
    synchronized void cycleCompleted() {
        lateErrors = null;
    }

    boolean hasError() {
        return errorStatus != 0;
    }

    /** Whether the recorded {@code sendError} was called by the current thread. */
    boolean errorSentByThisThread() {
        return errorThread == Thread.currentThread();
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
