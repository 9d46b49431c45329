/**
 * `grapevine completion bash|zsh`: a shell completion script generated from the
 * command tree itself, so it never falls behind the commands.
 */
import type { Command } from 'commander';
import { invalid } from '../core/errors.js';

/** CompletionTree maps a command path ("" for the top, "service" for a group) to its words. */
type CompletionTree = Map<string, string[]>;

function collectTree(cmd: Command, prefix: string, out: CompletionTree): void {
  const words = [...cmd.commands.map((c) => c.name()), ...cmd.options.map((o) => o.long).filter((l): l is string => !!l)];
  out.set(prefix, words);
  for (const c of cmd.commands) collectTree(c, prefix ? `${prefix} ${c.name()}` : c.name(), out);
}

/** bashScript is the bash completion for the tree. */
function bashScript(tree: CompletionTree): string {
  const cases = [...tree].map(([path, words]) => `    "${path}") words="${words.join(' ')}" ;;`).join('\n');
  return `# grapevine bash completion: source <(grapevine completion bash)
_grapevine() {
  local cur path="" i w words
  cur="\${COMP_WORDS[COMP_CWORD]}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ "$w" == -* ]] && continue
    case "\${path:+$path }$w" in
${[...tree.keys()].filter((k) => k).map((k) => `      "${k}") path="${k}" ;;`).join('\n')}
    esac
  done
  case "$path" in
${cases}
    *) words="" ;;
  esac
  COMPREPLY=( $(compgen -W "$words" -- "$cur") )
}
complete -o default -F _grapevine grapevine
`;
}

/** zshScript is the zsh completion for the tree (through bashcompinit). */
function zshScript(tree: CompletionTree): string {
  return `#compdef grapevine
# grapevine zsh completion: source <(grapevine completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bashScript(tree)}`;
}

/** registerCompletionCommand adds `grapevine completion bash|zsh`. */
export function registerCompletionCommand(program: Command): void {
  program
    .command('completion <shell>')
    .description('print a shell completion script: bash or zsh (e.g. source <(grapevine completion bash))')
    .action((shell: string) => {
      const tree: CompletionTree = new Map();
      collectTree(program, '', tree);
      if (shell === 'bash') process.stdout.write(bashScript(tree));
      else if (shell === 'zsh') process.stdout.write(zshScript(tree));
      else {
        process.stderr.write(`error: ${invalid('<shell>', `must be bash or zsh, not ${JSON.stringify(shell)}`).message}\n`);
        process.exit(1);
      }
    });
}
