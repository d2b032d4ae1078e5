/** placeholder */
package dev.metareward.actors;
