/** The bilevel algorithms: reward-weighted inner loop, preference loss, hypergradient, outer optimizer, Algorithms 1 and 2. */
package dev.metareward.tensors.bilevel;
