// This file only keeps node_modules (which can hold .go files) out of the main Go module's ./... pattern.
module nodetools

go 1.25
