package dev.ioloop.sample.resp;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** An {@link ExpiryScheduler} on a clock the test moves: tasks run only inside {@link #advance}. */
final class FakeScheduler implements ExpiryScheduler {

    private long now;
    private long sequence;
    private final List<Task> tasks = new ArrayList<>();
    int scheduled;
    int cancelled;

    FakeScheduler(long startMillis) {
        this.now = startMillis;
    }

    @Override
    public long nowMillis() {
        return now;
    }

    /** Moves the clock without running anything, as when the loop is late to fire its timers. */
    void setTime(long millis) {
        now = millis;
    }

    @Override
    public Cancellable schedule(long delayMillis, Runnable task) {
        Task t = new Task(now + delayMillis, sequence++, task);
        tasks.add(t);
        scheduled++;
        return t;
    }

    /** Moves the clock forward, running the tasks that come due, in due order, at their due time. */
    void advance(long millis) {
        long target = now + millis;
        while (true) {
            Task next = tasks.stream()
                    .filter(t -> t.due <= target)
                    .min(Comparator.comparingLong((Task t) -> t.due).thenComparingLong(t -> t.seq))
                    .orElse(null);
            if (next == null) {
                break;
            }
            tasks.remove(next);
            now = Math.max(now, next.due);
            next.task.run();
        }
        now = target;
    }

    /** Runs every pending task now, before it is due, as a timer on a clock running ahead would. */
    void fireAllEarly() {
        List<Task> due = new ArrayList<>(tasks);
        tasks.clear();
        due.forEach(t -> t.task.run());
    }

    /** Tasks scheduled and neither run nor cancelled. */
    int pending() {
        return tasks.size();
    }

    private final class Task implements Cancellable {
        final long due;
        final long seq;
        final Runnable task;

        Task(long due, long seq, Runnable task) {
            this.due = due;
            this.seq = seq;
            this.task = task;
        }

        @Override
        public boolean cancel() {
            if (tasks.remove(this)) {
                cancelled++;
                return true;
            }
            return false;
        }
    }
}
