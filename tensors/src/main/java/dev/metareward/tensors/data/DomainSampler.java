package dev.metareward.tensors.data;

import dev.metareward.tensors.bilevel.DomainBatches;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Draws one domain's training batches in a seeded random order: each kind of record (SFT samples, preference
 * pairs) is visited epoch by epoch, in a fresh permutation per epoch drawn from that kind's own generator, seeded
 * from (seed, domain, kind). A batch larger than what is left of an epoch continues into the next one.
 *
 * <p>{@link #position()} holds, per kind, the generator state at the start of the current epoch, the epoch number
 * and the cursor; {@link #restorePosition} re-draws that epoch's permutation from the saved state, so a restored
 * sampler yields exactly the batches the original would have. Not thread-safe: one sampler per worker.
 */
public final class DomainSampler implements DomainBatches {

    private static final int FORMAT = 1;

    private final String domain;
    private final List<SftSample> sft;
    private final List<PreferencePair> pref;
    private final Batcher batcher;
    private final ShuffledCursor sftCursor;
    private final ShuffledCursor prefCursor;

    /** A sampler over {@code sft} and {@code pref}, which should be the domain's training split. */
    public DomainSampler(String domain, List<SftSample> sft, List<PreferencePair> pref, Batcher batcher, long seed) {
        this.domain = domain;
        this.sft = List.copyOf(sft);
        this.pref = List.copyOf(pref);
        this.batcher = batcher;
        this.sftCursor = new ShuffledCursor(this.sft.size(), SplitMix64.derive(seed, "sampler", domain, "sft"));
        this.prefCursor = new ShuffledCursor(this.pref.size(), SplitMix64.derive(seed, "sampler", domain, "pref"));
    }

    /** A sampler over the training split of {@code data}. */
    public static DomainSampler overTrainSplit(DomainData data, Batcher batcher, long seed) {
        return new DomainSampler(data.domain(), data.sftTrain(), data.prefTrain(), batcher, seed);
    }

    @Override
    public String domain() {
        return domain;
    }

    @Override
    public TokenBatch nextSftBatch(int size) {
        return batcher.sftBatch(nextSftSamples(size));
    }

    @Override
    public PreferenceBatch nextPreferenceBatch(int size) {
        return batcher.preferenceBatch(nextPreferencePairs(size));
    }

    /** The samples {@link #nextSftBatch} would encode. */
    public List<SftSample> nextSftSamples(int size) {
        return draw(sft, sftCursor, size, "SFT samples");
    }

    /** The pairs {@link #nextPreferenceBatch} would encode. */
    public List<PreferencePair> nextPreferencePairs(int size) {
        return draw(pref, prefCursor, size, "preference pairs");
    }

    private <T> List<T> draw(List<T> items, ShuffledCursor cursor, int size, String what) {
        if (size < 1) {
            throw new IllegalArgumentException("batch size must be at least 1 but was " + size);
        }
        if (items.isEmpty()) {
            throw new IllegalStateException("domain '" + domain + "' has no " + what + " in its training split; "
                    + "check the data files and data.eval-fraction");
        }
        List<T> batch = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            batch.add(items.get(cursor.next()));
        }
        return batch;
    }

    @Override
    public byte[] position() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(FORMAT);
            out.writeUTF(domain);
            sftCursor.write(out);
            prefCursor.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * @throws IllegalArgumentException if the snapshot is damaged or was taken for another domain or another
     *                                  split size (the data changed since)
     */
    @Override
    public void restorePosition(byte[] position) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(position))) {
            int format = in.readInt();
            if (format != FORMAT) {
                throw new IllegalArgumentException("sampler position has format " + format + "; expected " + FORMAT);
            }
            String saved = in.readUTF();
            if (!saved.equals(domain)) {
                throw new IllegalArgumentException("sampler position belongs to domain '" + saved
                        + "', not to '" + domain + "'");
            }
            sftCursor.read(in, "SFT samples of domain '" + domain + "'");
            prefCursor.read(in, "preference pairs of domain '" + domain + "'");
            if (in.available() > 0) {
                throw new IllegalArgumentException("sampler position has " + in.available() + " unexpected trailing bytes");
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("sampler position of domain '" + domain + "' is truncated or damaged", e);
        }
    }

    /** A cursor over a permutation of {@code 0..n-1} that is redrawn at each epoch. */
    private static final class ShuffledCursor {
        private final int n;
        private final SplitMix64 random;
        private final int[] order;
        private long epochStartState;
        private long epoch;
        private int cursor;

        ShuffledCursor(int n, long seed) {
            this.n = n;
            this.random = new SplitMix64(seed);
            this.order = new int[n];
            startEpoch(0);
        }

        int next() {
            if (cursor == n) {
                startEpoch(epoch + 1);
            }
            return order[cursor++];
        }

        private void startEpoch(long number) {
            epochStartState = random.state();
            epoch = number;
            cursor = 0;
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            random.shuffle(order);
        }

        void write(DataOutputStream out) throws IOException {
            out.writeInt(n);
            out.writeLong(epochStartState);
            out.writeLong(epoch);
            out.writeInt(cursor);
        }

        void read(DataInputStream in, String what) throws IOException {
            int savedN = in.readInt();
            if (savedN != n) {
                throw new IllegalArgumentException("sampler position was taken over " + savedN + " " + what
                        + " but the training split now has " + n + "; the data changed since the position was saved");
            }
            long state = in.readLong();
            long savedEpoch = in.readLong();
            int savedCursor = in.readInt();
            if (savedCursor < 0 || savedCursor > n || savedEpoch < 0) {
                throw new IllegalArgumentException("sampler position of " + what + " is damaged: epoch "
                        + savedEpoch + ", cursor " + savedCursor + " of " + n);
            }
            random.setState(state);
            startEpoch(savedEpoch);
            cursor = savedCursor;
        }
    }
}
