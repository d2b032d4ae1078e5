/** placeholder */
package dev.metareward.metrics;
