/** Small real models (softmax bigram policy, tanh bag-of-tokens reward) and seeded in-memory data for bilevel tests. */
package dev.metareward.tensors.bilevel.testmodels;
