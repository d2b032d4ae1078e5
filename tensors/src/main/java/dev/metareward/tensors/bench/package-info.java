/** Benchmarks of the numeric core on the fixed workloads of MATH.md, runnable from a main method. */
package dev.metareward.tensors.bench;
