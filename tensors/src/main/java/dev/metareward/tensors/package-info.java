/** placeholder */
package dev.metareward.tensors;
