package dev.metareward.tensors.model.transformer;

import dev.metareward.tensors.data.TokenBatch;

/**
 * Which rows of the [B * T, d] hidden states feed a head: {@code row[i] = b * T + t} predicts {@code target[i]} for
 * sample {@code sample[i]}. Only these rows go through the head's GEMMs.
 */
record TargetRows(int[] row, int[] target, int[] sample) {

    int count() {
        return row.length;
    }

    /** The same targets read from rows 0..count-1, in order: after {@link TransformerEngine#forwardRows} on {@link #row}. */
    TargetRows compacted() {
        return new TargetRows(identity(row.length), target, sample);
    }

    /** 0, 1, ..., n - 1: the rows of a compacted selection. */
    static int[] identity(int n) {
        int[] rows = new int[n];
        for (int i = 0; i < n; i++) {
            rows[i] = i;
        }
        return rows;
    }

    /** Rows that predict a scored token (response tokens and EOS): the terms of F_i = log pi(y_i | x_i). */
    static TargetRows scored(TokenBatch batch) {
        int n = 0;
        for (int b = 0; b < batch.size(); b++) {
            n += batch.scoredCount(b);
        }
        TargetRows rows = new TargetRows(new int[n], new int[n], new int[n]);
        int i = 0;
        int t = batch.length();
        for (int b = 0; b < batch.size(); b++) {
            for (int p = 1; p < t; p++) {
                if (batch.scored()[b][p]) {
                    rows.row[i] = b * t + p - 1;
                    rows.target[i] = batch.tokens()[b][p];
                    rows.sample[i] = b;
                    i++;
                }
            }
        }
        return rows;
    }

    /** Rows that predict every non-PAD token after the first (positions 1..lastIndex): the warm-start targets. */
    static TargetRows allNonPad(TokenBatch batch) {
        int n = 0;
        for (int b = 0; b < batch.size(); b++) {
            n += batch.lastIndex()[b];
        }
        TargetRows rows = new TargetRows(new int[n], new int[n], new int[n]);
        int i = 0;
        int t = batch.length();
        for (int b = 0; b < batch.size(); b++) {
            for (int p = 1; p <= batch.lastIndex()[b]; p++) {
                rows.row[i] = b * t + p - 1;
                rows.target[i] = batch.tokens()[b][p];
                rows.sample[i] = b;
                i++;
            }
        }
        return rows;
    }

    /** The row of the last non-PAD token of every sample (target unused): reward head and next-token sampling. */
    static TargetRows last(TokenBatch batch) {
        int n = batch.size();
        TargetRows rows = new TargetRows(new int[n], new int[n], new int[n]);
        for (int b = 0; b < n; b++) {
            rows.row[b] = b * batch.length() + batch.lastIndex()[b];
            rows.target[b] = -1;
            rows.sample[b] = b;
        }
        return rows;
    }
}
