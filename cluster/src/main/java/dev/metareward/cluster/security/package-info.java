/** Who may join a run's Pekko cluster: Artery over mutually authenticated TLS, the insecure-bind rule, try-out certificates. */
package dev.metareward.cluster.security;
