package jobs

// MigratedStore is a fresh SQLite store with the migrations run, for the
// external tests too.
var MigratedStore = sqliteStore
