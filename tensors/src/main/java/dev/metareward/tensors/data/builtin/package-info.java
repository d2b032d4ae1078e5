/** The built-in controlled-sentiment multi-domain data set: its lexicon, generator and ground-truth reward r*. */
package dev.metareward.tensors.data.builtin;
