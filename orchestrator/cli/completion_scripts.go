package cli

import (
	"strings"

	ucli "github.com/urfave/cli/v2"
)

// bashCompletion is urfave/cli's bash script without its dependency on the
// bash-completion package (macOS's bash 3 has none), and without eval: the
// typed words are passed to ck8sctl as they are.
const bashCompletion = `# ck8sctl completion for bash: source <(ck8sctl completion bash)
_ck8sctl_complete() {
  local cur="${COMP_WORDS[COMP_CWORD]}"
  local words=("${COMP_WORDS[@]:0:COMP_CWORD}")
  local opts
  if [[ "$cur" == -* ]]; then
    opts=$("${words[@]}" "$cur" --generate-bash-completion 2>/dev/null)
  else
    opts=$("${words[@]}" --generate-bash-completion 2>/dev/null)
  fi
  COMPREPLY=($(compgen -W "${opts}" -- "${cur}"))
}
complete -o bashdefault -o default -F _ck8sctl_complete ck8sctl
`

// zshCompletion is urfave/cli's zsh script for ck8sctl: nothing offered
// (after -p, say) falls back to file names.
const zshCompletion = `#compdef ck8sctl
# ck8sctl completion for zsh: source <(ck8sctl completion zsh)
_ck8sctl() {
  local -a opts
  local cur
  cur=${words[-1]}
  if [[ "$cur" == "-"* ]]; then
    opts=("${(@f)$(${words[@]:0:#words[@]-1} ${cur} --generate-bash-completion 2>/dev/null)}")
  else
    opts=("${(@f)$(${words[@]:0:#words[@]-1} --generate-bash-completion 2>/dev/null)}")
  fi
  if [[ "${opts[1]}" != "" ]]; then
    _describe 'values' opts
  else
    _files
  fi
}
compdef _ck8sctl ck8sctl
`

// fishHosts adds --limit's host names to urfave's static fish script,
// which knows commands and flags but not a playbook's hosts.
func fishHosts(cmds []*ucli.Command) string {
	var names []string
	for _, c := range cmds {
		if hasLimit(c) {
			names = append(names, c.Name)
		}
	}
	return `
function __ck8sctl_limit_names
    set -l words (commandline -opc)
    $words --generate-bash-completion 2>/dev/null
end
complete -c ck8sctl -n '__fish_seen_subcommand_from ` + strings.Join(names, " ") + `' -s l -l limit -x -a '(__ck8sctl_limit_names)'
`
}
