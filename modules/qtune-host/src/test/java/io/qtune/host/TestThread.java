package io.qtune.host;

import io.qtune.host.sched.ThreadAffinity;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** A parked Java thread whose kernel TID is known; close() ends it. */
public final class TestThread implements AutoCloseable {
    private final Thread thread;
    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch stop = new CountDownLatch(1);
    private volatile int tid;

    public TestThread(String name) {
        thread = new Thread(() -> {
            tid = ThreadAffinity.gettid();
            started.countDown();
            try {
                stop.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
        try {
            if (!started.await(io.qtune.testkit.TestTime.millis(10), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("test thread did not start");
            }
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    public int tid() {
        return tid;
    }

    @Override
    public void close() throws InterruptedException {
        stop.countDown();
        thread.join(10_000);
    }
}
