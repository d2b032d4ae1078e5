/** Soak runs: sampling a multi-process run's throughput and memory over time, the CSV, the plot and the verdict. */
package dev.metareward.cluster.soak;
