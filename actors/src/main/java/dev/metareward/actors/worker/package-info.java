/** Domain workers: one actor per training domain computing hypergradient contributions with the newest phi it has. */
package dev.metareward.actors.worker;
