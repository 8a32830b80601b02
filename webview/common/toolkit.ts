/**
 * The only module that imports @vscode/webview-ui-toolkit. The toolkit is archived upstream; when we
 * move to a successor (e.g. @vscode-elements/elements) only this file changes. Panels use the
 * custom elements by tag name (<vscode-button>, <vscode-dropdown>, ...).
 */
import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeCheckbox,
  vsCodeDivider,
  vsCodeDropdown,
  vsCodeOption,
  vsCodeProgressRing,
  vsCodeTag,
} from '@vscode/webview-ui-toolkit';

let registered = false;

export function registerToolkit(): void {
  if (registered) return;
  registered = true;
  provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeCheckbox(), vsCodeDivider(), vsCodeDropdown(), vsCodeOption(), vsCodeProgressRing(), vsCodeTag());
}
