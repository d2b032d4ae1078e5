/** placeholder */
package dev.metareward.cluster;
