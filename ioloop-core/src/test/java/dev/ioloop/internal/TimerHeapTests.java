package dev.ioloop.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The timer heap against a PriorityQueue model, under random adds, removes and polls. */
class TimerHeapTests {

    private static final class E extends TimerHeap.Entry {
        E(long deadline, long seq) {
            super(deadline, seq);
        }

        long deadline() {
            return deadlineNanos;
        }

        long seq() {
            return sequence;
        }
    }

    private static final Comparator<E> ORDER =
            Comparator.comparingLong(E::deadline).thenComparingLong(E::seq);

    @Test
    void entriesComeOutInDeadlineThenInsertionOrderUnderRandomRemovals() {
        Random random = new Random(42);
        TimerHeap heap = new TimerHeap();
        PriorityQueue<E> model = new PriorityQueue<>(ORDER);
        List<E> live = new ArrayList<>();
        long seq = 0;
        for (int op = 0; op < 200_000; op++) {
            int choice = random.nextInt(10);
            if (choice < 5) {
                E e = new E(random.nextInt(1000), seq++);
                heap.add(e);
                model.add(e);
                live.add(e);
            } else if (choice < 7 && !live.isEmpty()) {
                E e = live.remove(random.nextInt(live.size()));
                assertThat(heap.remove(e)).isTrue();
                assertThat(heap.remove(e)).isFalse();
                model.remove(e);
            } else {
                E expected = model.poll();
                E actual = (E) heap.poll();
                assertThat(actual).isSameAs(expected);
                if (actual != null) {
                    live.remove(actual);
                    assertThat(actual.inHeap()).isFalse();
                }
            }
            assertThat(heap.size()).isEqualTo(model.size());
        }
    }

    @Test
    void removeIfRebuildsAValidHeapAndShrinks() {
        TimerHeap heap = new TimerHeap();
        List<E> all = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            E e = new E(10_000 - i, i);
            all.add(e);
            heap.add(e);
        }
        int removed = heap.removeIf(e -> ((E) e).seq() % 10 != 0);
        assertThat(removed).isEqualTo(9_000);
        assertThat(heap.size()).isEqualTo(1_000);
        long last = Long.MIN_VALUE;
        E e;
        while ((e = (E) heap.poll()) != null) {
            assertThat(e.deadline()).isGreaterThanOrEqualTo(last);
            last = e.deadline();
        }
        assertThat(all.stream().filter(TimerHeap.Entry::inHeap)).isEmpty();
    }

    @Test
    void deadlinesCompareAcrossNanoTimeOverflow() {
        TimerHeap heap = new TimerHeap();
        E beforeWrap = new E(Long.MAX_VALUE - 5, 0);
        E afterWrap = new E(Long.MAX_VALUE + 5, 1); // wrapped to a large negative value
        heap.add(afterWrap);
        heap.add(beforeWrap);
        assertThat(heap.poll()).isSameAs(beforeWrap);
        assertThat(heap.poll()).isSameAs(afterWrap);
    }
}
