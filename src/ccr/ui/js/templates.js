// Provider templates: endpoint, a few current models and the transformer chain each needs.
// Keys are never part of a template; the suggested `$VAR` keeps the key out of config.json.
export const TEMPLATES = [
  {
    id: "openrouter",
    label: "OpenRouter",
    provider: {
      name: "openrouter",
      api_base_url: "https://openrouter.ai/api/v1/chat/completions",
      models: ["anthropic/claude-sonnet-4", "google/gemini-2.5-pro", "deepseek/deepseek-chat-v3.1", "moonshotai/kimi-k2"],
      transformer: { use: ["openrouter"] },
    },
    keyVar: "OPENROUTER_API_KEY",
  },
  {
    id: "deepseek",
    label: "DeepSeek",
    provider: {
      name: "deepseek",
      api_base_url: "https://api.deepseek.com/chat/completions",
      models: ["deepseek-chat", "deepseek-reasoner"],
      transformer: { use: ["deepseek"], "deepseek-chat": { use: ["tooluse"] } },
    },
    keyVar: "DEEPSEEK_API_KEY",
  },
  {
    id: "gemini",
    label: "Gemini",
    provider: {
      name: "gemini",
      api_base_url: "https://generativelanguage.googleapis.com/v1beta/models/",
      models: ["gemini-2.5-flash", "gemini-2.5-pro"],
      transformer: { use: ["gemini"] },
    },
    keyVar: "GEMINI_API_KEY",
  },
  {
    id: "groq",
    label: "Groq",
    provider: {
      name: "groq",
      api_base_url: "https://api.groq.com/openai/v1/chat/completions",
      models: ["moonshotai/kimi-k2-instruct", "openai/gpt-oss-120b", "llama-3.3-70b-versatile"],
      transformer: { use: ["groq"] },
    },
    keyVar: "GROQ_API_KEY",
  },
  {
    id: "ollama",
    label: "Ollama (local)",
    provider: {
      name: "ollama",
      api_base_url: "http://localhost:11434/v1/chat/completions",
      api_key: "ollama",
      models: ["qwen2.5-coder:latest"],
    },
    note: "Ollama needs no key; list the models you pulled (`ollama list`).",
  },
  {
    id: "siliconflow",
    label: "SiliconFlow",
    provider: {
      name: "siliconflow",
      api_base_url: "https://api.siliconflow.cn/v1/chat/completions",
      models: ["moonshotai/Kimi-K2-Instruct", "deepseek-ai/DeepSeek-V3.1", "Qwen/Qwen3-Coder-480B-A35B-Instruct"],
      transformer: { use: [["maxtoken", { max_tokens: 16384 }]] },
    },
    keyVar: "SILICONFLOW_API_KEY",
  },
  {
    id: "volcengine",
    label: "Volcengine (Ark)",
    provider: {
      name: "volcengine",
      api_base_url: "https://ark.cn-beijing.volces.com/api/v3/chat/completions",
      models: ["deepseek-v3-250324", "deepseek-r1-250528"],
      transformer: { use: ["deepseek"] },
    },
    keyVar: "ARK_API_KEY",
  },
  {
    id: "modelscope",
    label: "ModelScope",
    provider: {
      name: "modelscope",
      api_base_url: "https://api-inference.modelscope.cn/v1/chat/completions",
      models: ["Qwen/Qwen3-Coder-480B-A35B-Instruct", "Qwen/Qwen3-235B-A22B-Thinking-2507"],
      transformer: {
        use: [["maxtoken", { max_tokens: 65536 }], "enhancetool"],
        "Qwen/Qwen3-235B-A22B-Thinking-2507": { use: ["reasoning"] },
      },
    },
    keyVar: "MODELSCOPE_API_KEY",
  },
  {
    id: "dashscope",
    label: "DashScope (Alibaba Cloud)",
    provider: {
      name: "dashscope",
      api_base_url: "https://dashscope.aliyuncs.com/compatible-mode/v1/chat/completions",
      models: ["qwen3-coder-plus"],
      transformer: { use: [["maxtoken", { max_tokens: 65536 }], "enhancetool"] },
    },
    keyVar: "DASHSCOPE_API_KEY",
  },
  {
    id: "moonshot",
    label: "Moonshot (Kimi)",
    provider: {
      name: "moonshot",
      api_base_url: "https://api.moonshot.cn/v1/chat/completions",
      models: ["kimi-k2-0905-preview", "kimi-k2-turbo-preview"],
    },
    keyVar: "MOONSHOT_API_KEY",
    note: "Outside China use https://api.moonshot.ai/v1/chat/completions.",
  },
  {
    id: "zhipu",
    label: "Zhipu (GLM)",
    provider: {
      name: "zhipu",
      api_base_url: "https://open.bigmodel.cn/api/paas/v4/chat/completions",
      models: ["glm-4.5", "glm-4.5-air"],
    },
    keyVar: "ZHIPU_API_KEY",
    note: "Outside China use https://api.z.ai/api/paas/v4/chat/completions.",
  },
  {
    id: "anthropic",
    label: "Anthropic",
    provider: {
      name: "anthropic",
      api_base_url: "https://api.anthropic.com/v1/messages",
      models: ["claude-sonnet-4-5", "claude-opus-4-1", "claude-haiku-4-5"],
      transformer: { use: ["anthropic"] },
    },
    keyVar: "ANTHROPIC_API_KEY",
  },
];

function specName(spec) {
  return Array.isArray(spec) ? spec[0] : spec;
}

// A template's provider, minus transformers this router does not have (named in `dropped`).
export function fromTemplate(template, known, takenNames) {
  const provider = JSON.parse(JSON.stringify(template.provider));
  const dropped = [];
  const keep = (list) =>
    list.filter((spec) => {
      const ok = known.has(String(specName(spec)).toLowerCase());
      if (!ok) dropped.push(specName(spec));
      return ok;
    });
  if (provider.transformer) {
    for (const [key, value] of Object.entries(provider.transformer)) {
      if (key === "use") provider.transformer.use = keep(value);
      else value.use = keep(value.use || []);
    }
  }
  let name = provider.name;
  for (let i = 2; takenNames.has(name.toLowerCase()); i++) name = `${provider.name}-${i}`;
  provider.name = name;
  if (!("api_key" in provider)) provider.api_key = "";
  return { provider, dropped };
}
