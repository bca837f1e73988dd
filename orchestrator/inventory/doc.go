// Package inventory reads Ansible inventories (INI and YAML) and evaluates
// Ansible host patterns, so that teams coming from Ansible can run
// `ck8sctl sweep --inventory FILE --limit PATTERN` on the inventory they
// already keep.
//
// The reference is ansible-core's own code, not its prose: where the two
// disagree, this package does what `ansible-inventory --list` does, and a
// test compares both on the files in testdata/. Notably, values in INI
// `[group:vars]` sections are read as Python literals just like inline host
// variables (the documentation says strings; every ansible-core release
// up to 2.19 evaluates them), YAML scalars are typed by YAML 1.1 as PyYAML
// does (`yes` is true, `0755` is 493), and the host order is the one of
// Ansible's "all" group: breadth-first over the group tree, not strictly the
// order of the file.
//
// Variable precedence is Ansible's (vars/manager.py, inventory/helpers.py
// sort_groups): the "all" group's vars, then those of every other group
// the host is in, sorted by depth (longest path from "all"),
// ansible_group_priority and name, each overriding the one before, then
// the host's own. Host.Vars holds the result; the connection
// variables are also typed on Host (see ToPlaybook for the mapping).
//
// What is refused, with the file and line, rather than half-supported:
// dynamic inventory scripts (executable files or files starting with "#!"),
// inventory plugins (a YAML `plugin:` key), TOML inventories, directories,
// group_vars/ and host_vars/ next to the inventory (Ansible would merge
// them; ignoring them would drop variables silently), vault-encrypted
// values, Jinja templates in connection variables, Python values that have
// no JSON form (sets, complex numbers), unknown keys in a YAML group and
// limit files (`--limit @file`). Ansible only warns about unknown YAML keys
// and unmatched pattern terms; ck8sctl hardens hosts, so a typo must stop
// the run instead of selecting other hosts than meant. For the same
// reason a pattern term naming "localhost" is an error unless the
// inventory has such a host (Ansible makes one up), ansible_become takes
// only boolean words (Ansible reads anything else as false) and an empty
// host range ("web[3:1]") is an error (Ansible adds no host).
//
// Kept as text rather than converted: YAML timestamps (ansible-inventory
// prints datetimes in ISO form) and Python \N{NAME} escapes.
package inventory
