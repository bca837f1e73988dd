// Package yamlnode holds the helpers shared by the decoders that walk a
// yaml.v3 node tree themselves (the playbook and the serve configuration):
// following aliases, telling null apart, naming a node in a message, field
// paths, and the typed scalar readers. Both decoders report every problem
// with its line and field path, and both once carried their own copy of
// these helpers; keeping one copy keeps their messages from drifting apart.
//
// Only what is the same in both lives here. Readers whose wording or
// behaviour differs between the two (durations, lists, mappings) stay in
// their package.
package yamlnode
