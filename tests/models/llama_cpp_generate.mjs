// Greedy continuation of one prompt by llama.cpp (through node-llama-cpp), for
// tests/models_llama_cpp_test.sh: node llama_cpp_generate.mjs MODEL.gguf PROMPT MAX_TOKENS.
// Prints {"completion": text} on one line.
import {getLlama, LlamaCompletion} from "node-llama-cpp";

const [modelPath, prompt, maxTokens] = process.argv.slice(2);
const llama = await getLlama({gpu: false, build: "never"});
const model = await llama.loadModel({modelPath});
const context = await model.createContext({contextSize: 512, threads: 1});
const completion = new LlamaCompletion({contextSequence: context.getSequence()});
const text = await completion.generateCompletion(prompt, {maxTokens: Number(maxTokens), temperature: 0});
process.stdout.write(JSON.stringify({completion: text}) + "\n");
await context.dispose();
await model.dispose();
