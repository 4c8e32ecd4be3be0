/** npm run quiz — the short quiz for the checklist items about knowing and explaining. */
import readline from 'node:readline/promises';
import { parseCommand, runMain, paint, UsageError } from './lib/cli.ts';
import { quiz, gradeQuiz } from '../checklist/quiz.ts';
import { checklistItems } from '../checklist/items.ts';
import { loadQuizAnswers, saveQuizAnswers } from './workbench/workspace.ts';

const out = process.stdout;

function report(answers: Record<string, string>): void {
  const { correct, wrong, unanswered } = gradeQuiz(answers);
  for (const q of quiz) {
    const mark = correct.includes(q.id) ? paint('green', 'right', out) : wrong.includes(q.id) ? paint('red', 'wrong', out) : paint('dim', '  -  ', out);
    console.log(`${mark} ${q.id.padEnd(4)} ${q.question}`);
    if (wrong.includes(q.id)) console.log(`       ${paint('dim', `answer ${q.answer}: ${q.why}`, out)}`);
  }
  console.log(`\n${correct.length} of ${quiz.length} right${unanswered.length ? `, ${unanswered.length} unanswered` : ''}. Answers are kept in .workbench/quiz.json.`);
}

runMain(async () => {
  const { values } = parseCommand({
    name: 'quiz',
    summary: `${quiz.length} questions for the checklist items about knowing and explaining; answers are kept in your workspace`,
    usage: 'npm run quiz [-- --answer q1=b,q2=c] [--show] [--reset]',
    options: { answer: { type: 'string' }, show: { type: 'boolean' }, reset: { type: 'boolean' } },
    help: [
      ['--answer <list>', 'answer without prompts, e.g. q1=b,q3=c (merged with earlier answers)'],
      ['--show', 'show your results without asking anything'],
      ['--reset', 'forget all your answers'],
    ],
  });
  let answers = values.reset ? {} : loadQuizAnswers();
  if (values.reset) saveQuizAnswers(answers);
  if (values.answer) {
    for (const pair of values.answer.split(',')) {
      const [id, choice] = pair.split('=').map((s) => s.trim().toLowerCase());
      const q = quiz.find((x) => x.id === id);
      if (!q) throw new UsageError(`no question "${id}"; questions are ${quiz.map((x) => x.id).join(', ')}`);
      if (!choice || !(choice in q.choices)) throw new UsageError(`${id}: answer with one of a, b, c, d (got "${choice ?? ''}")`);
      answers[id] = choice;
    }
    saveQuizAnswers(answers);
  } else if (!values.show && !values.reset) {
    if (!process.stdin.isTTY) throw new UsageError('the quiz asks questions in a terminal; without one, use --answer q1=b,... or --show');
    const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
    try {
      for (const q of quiz) {
        const item = checklistItems.find((i) => i.id === q.item)?.text ?? q.item;
        console.log(`\n${paint('bold', `${q.id}.`, out)} ${q.question}\n${paint('dim', `(checklist: ${item})`, out)}`);
        for (const [k, v] of Object.entries(q.choices)) console.log(`  ${k}) ${v}`);
        let choice = '';
        while (!['a', 'b', 'c', 'd'].includes(choice)) {
          choice = (await rl.question(`your answer${answers[q.id] ? ` [${answers[q.id]}]` : ''} (a-d, Enter keeps it, q quits): `)).trim().toLowerCase();
          if (choice === '' && answers[q.id]) choice = answers[q.id];
          if (choice === 'q') return report(answers);
        }
        answers = { ...answers, [q.id]: choice };
        saveQuizAnswers(answers); // saved after every answer: quitting loses nothing
        console.log(choice === q.answer ? paint('green', 'right', out) : `${paint('red', 'not quite', out)}: ${q.why}`);
      }
    } finally {
      rl.close();
    }
  }
  report(answers);
});
