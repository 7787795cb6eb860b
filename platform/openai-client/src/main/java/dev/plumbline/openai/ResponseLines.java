package dev.plumbline.openai;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One response, as events the caller's thread polls: the status line, then body lines, then the end.
 * Polling with a timeout is what bounds the silence between two lines; the JDK's request timeout
 * only covers the wait for the headers, and a blocked {@code InputStream} read cannot be timed out.
 */
final class ResponseLines implements HttpResponse.BodyHandler<Void>, Flow.Subscriber<String> {

    record Start(int status, String contentType) {}

    private record Line(String text) {}

    private record Failure(Throwable error) {}

    private static final Object END = new Object();

    private final String target;
    private final Duration timeout;
    private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    private Flow.Subscription subscription;
    private boolean cancelled;
    private volatile boolean finished;

    ResponseLines(String target, Duration timeout) {
        this.target = target;
        this.timeout = timeout;
    }

    @Override
    public HttpResponse.BodySubscriber<Void> apply(HttpResponse.ResponseInfo info) {
        events.add(new Start(info.statusCode(), info.headers().firstValue("content-type").orElse("")));
        return HttpResponse.BodySubscribers.fromLineSubscriber(this);
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        synchronized (this) {
            if (cancelled) {
                s.cancel();
                return;
            }
            subscription = s;
        }
        s.request(1);
    }

    @Override
    public void onNext(String line) {
        events.add(new Line(line));
    }

    @Override
    public void onError(Throwable error) {
        events.add(new Failure(error));
    }

    @Override
    public void onComplete() {
        events.add(END);
    }

    /** The exchange itself failed (connection refused, request timeout, …). */
    void fail(Throwable error) {
        events.add(new Failure(error));
    }

    /** Status and content type, once the headers arrived. */
    Start awaitStart() throws InterruptedException {
        // A little over the request timeout, so the JDK's own timeout (with its message) normally fires first.
        Object event = events.poll(timeout.toMillis() + 250, TimeUnit.MILLISECONDS);
        if (event == null) {
            throw new OpenAiException(target + ": timed out after " + timeout.toMillis() + " ms waiting for the response",
                    0, true);
        }
        if (event instanceof Failure f) {
            throw transportFailure(f.error());
        }
        return (Start) event;
    }

    /** The next body line, or null at the end of the body. */
    String nextLine() throws InterruptedException {
        Object event = events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (event == null) {
            throw new OpenAiException(target + ": timed out: the response stalled for " + timeout.toMillis() + " ms",
                    0, true);
        }
        if (event == END) {
            finished = true;
            return null;
        }
        if (event instanceof Failure f) {
            throw transportFailure(f.error());
        }
        Flow.Subscription s;
        synchronized (this) {
            s = subscription;
        }
        if (s != null) {
            s.request(1);
        }
        return ((Line) event).text();
    }

    /** The whole remaining body, lines joined with {@code \n} (JSON does not care which line break it had). */
    String rest() throws InterruptedException {
        StringBuilder body = new StringBuilder();
        for (String line = nextLine(); line != null; line = nextLine()) {
            if (!body.isEmpty()) {
                body.append('\n');
            }
            body.append(line);
        }
        return body.toString();
    }

    /** True once the whole body was read, so the connection can go back to the pool. */
    boolean finished() {
        return finished;
    }

    /** Stops reading and drops the connection (only for a body not read to its end). */
    void cancel() {
        Flow.Subscription s;
        synchronized (this) {
            cancelled = true;
            s = subscription;
        }
        if (s != null) {
            s.cancel();
        }
    }

    OpenAiException transportFailure(Throwable error) {
        Throwable e = error;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        if (e instanceof HttpConnectTimeoutException) {
            return new OpenAiException(target + ": cannot connect: timed out after " + timeout.toMillis() + " ms",
                    0, true, e);
        }
        if (e instanceof HttpTimeoutException) {
            return new OpenAiException(target + ": timed out after " + timeout.toMillis()
                    + " ms waiting for the response", 0, true, e);
        }
        if (e instanceof ConnectException) {
            return new OpenAiException(target + ": cannot connect" + detail(e), 0, true, e);
        }
        if (e instanceof IOException) {
            return new OpenAiException(target + ": connection failed: " + e.getClass().getSimpleName() + detail(e),
                    0, true, e);
        }
        return new OpenAiException(target + ": " + e.getClass().getSimpleName() + detail(e), 0, false, e);
    }

    private static String detail(Throwable e) {
        if (e.getMessage() != null) {
            return ": " + e.getMessage();
        }
        return e.getCause() != null && e.getCause().getMessage() != null ? ": " + e.getCause().getMessage() : "";
    }
}
