/** Everything numeric and nothing distributed: data, tokenizer, model, objectives, inner loop, hypergradient. */
package dev.metareward.tensors;
