// Package config turns the environment of a function into a validated, typed Config, once at
// start-up. Every problem is reported together, each naming the setting to fix. Settings lists
// every variable the functions read, for documentation and for the deployment checks.
package config
