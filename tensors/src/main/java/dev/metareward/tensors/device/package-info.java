/** Which ND4J backend and GPU a domain worker's thread computes on. */
package dev.metareward.tensors.device;
